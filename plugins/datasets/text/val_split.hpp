#pragma once
// Which documents form the validation split: a seeded hash of the text, so the split depends
// neither on the order of the files nor on the number of threads, and copies of a text stay together.
#include <cstdint>
#include <string_view>

namespace mmkd::text {

// True for about `fraction` of all texts (0: none, 1: all).
bool in_val_split(std::string_view text, uint64_t seed, double fraction);

}  // namespace mmkd::text

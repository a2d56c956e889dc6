#pragma once
// Lists of names in messages, and the "did you mean" hint.
#include <string>
#include <vector>

namespace mmkd {

std::string join_names(const std::vector<std::string>& names, const std::string& separator = ", ");
// " (did you mean `x`?)" when a candidate is close to `word`, else "".
// "1 loss", "2 losses": `count` and the singular or the plural.
std::string count_of(size_t count, const std::string& singular, const std::string& plural);

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace mmkd

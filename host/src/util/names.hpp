#pragma once
// Lists of names in messages, and the "did you mean" hint.
#include <string>
#include <vector>

namespace mmkd {

std::string join_names(const std::vector<std::string>& names, const std::string& separator = ", ");
// " (did you mean `x`?)" when a candidate is close to `word`, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace mmkd

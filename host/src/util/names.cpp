#include "util/names.hpp"

#include <mmkd/error.hpp>

namespace mmkd {

std::string join_names(const std::vector<std::string>& names, const std::string& separator) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : separator) + name;
  return joined;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string best = closest_match(word, candidates);
  return best.empty() ? "" : " (did you mean `" + best + "`?)";
}

std::string count_of(size_t count, const std::string& singular, const std::string& plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

}  // namespace mmkd

#include "convert/key_conversion.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

namespace mmkd {

ConvertedKeys convert_keys(const CheckpointFormat& format,
                           const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& file) {
  std::vector<std::regex> dropped;
  for (const auto& pattern : format.dropped) dropped.emplace_back(pattern);
  std::vector<std::pair<std::regex, std::string>> renames;
  for (const auto& rename : format.renames) renames.emplace_back(std::regex(rename.pattern), rename.replacement);

  ConvertedKeys converted;
  std::map<std::string, std::string> source_of;
  for (const auto& [key, tensor] : tensors) {
    const std::string& source = key;
    auto matches = [&](const std::regex& pattern) { return std::regex_search(source, pattern); };
    if (std::any_of(dropped.begin(), dropped.end(), matches)) {
      converted.dropped.push_back(key);
      continue;
    }
    std::string name = key;
    for (const auto& [pattern, replacement] : renames)
      if (matches(pattern)) {
        name = std::regex_replace(key, pattern, replacement, std::regex_constants::format_first_only);
        break;
      }
    auto [earlier, unique] = source_of.emplace(name, key);
    if (!unique)
      throw Error(fmt::format("{}: format {} gives {} and {} the same name {}", file, format.name, earlier->second, key,
                              name));
    if (name == key) converted.kept.push_back(key);
    else converted.renamed.emplace_back(key, name);
    converted.tensors[name] = tensor;
  }
  return converted;
}

}  // namespace mmkd

#include "convert/key_groups.hpp"

#include "util/names.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mmkd {

namespace {

std::vector<std::string> dotted_names(const std::string& key) {
  std::vector<std::string> names;
  size_t begin = 0;
  for (size_t dot; (dot = key.find('.', begin)) != std::string::npos; begin = dot + 1)
    names.push_back(key.substr(begin, dot - begin));
  names.push_back(key.substr(begin));
  return names;
}

bool is_layer_number(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `names` from `first` on, joined by dots, numbers written as `*`.
std::string numbers_as_stars(const std::vector<std::string>& names, size_t first = 0) {
  std::string joined;
  for (size_t i = first; i < names.size(); ++i)
    joined += (i == first ? "" : ".") + (is_layer_number(names[i]) ? std::string("*") : names[i]);
  return joined;
}

struct NameGroup {
  std::string first_name, pattern, first_key;
  size_t count = 0;
  bool one_pattern = true;
};

}  // namespace

std::string grouped_key_names(const std::vector<std::string>& keys) {
  std::vector<NameGroup> groups;
  for (const auto& key : keys) {
    const auto names = dotted_names(key);
    auto group = std::find_if(groups.begin(), groups.end(), [&](const NameGroup& g) { return g.first_name == names[0]; });
    if (group == groups.end()) group = groups.insert(groups.end(), NameGroup{names[0], numbers_as_stars(names), key});
    group->one_pattern = group->one_pattern && group->pattern == numbers_as_stars(names);
    ++group->count;
  }
  std::vector<std::string> parts;
  for (const auto& group : groups) {
    if (group.count == 1) parts.push_back(group.first_key);
    else parts.push_back(fmt::format("{} ({} keys)", group.one_pattern ? group.pattern : group.first_name + ".*",
                                     group.count));
  }
  return join_names(parts);
}

std::string grouped_renames(const std::vector<std::pair<std::string, std::string>>& renames) {
  std::vector<std::pair<std::string, size_t>> counts;
  for (const auto& [from, to] : renames) {
    const auto old_names = dotted_names(from), new_names = dotted_names(to);
    size_t same = 0;
    while (same + 1 < old_names.size() && same + 1 < new_names.size() && old_names[same] == new_names[same]) ++same;
    const size_t shown = same > 0 ? same - 1 : 0;  // the last shared name, for context
    const std::string label = numbers_as_stars(old_names, shown) + " -> " + numbers_as_stars(new_names, shown);
    auto count = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == label; });
    if (count == counts.end()) counts.emplace_back(label, 1);
    else ++count->second;
  }
  std::vector<std::string> parts;
  for (const auto& [label, count] : counts)
    parts.push_back(count == 1 ? label : fmt::format("{} ({} keys)", label, count));
  return join_names(parts);
}

}  // namespace mmkd

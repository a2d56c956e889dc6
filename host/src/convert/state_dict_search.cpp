#include "convert/state_dict_search.hpp"

#include "util/names.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mmkd {

namespace {

using pickle::ValueKind;

constexpr const char* kDataParallelPrefix = "module.";

size_t tensor_count(const pickle::Value& dict) {
  return std::count_if(dict.entries.begin(), dict.entries.end(),
                       [](const auto& entry) { return entry.second->kind == ValueKind::tensor; });
}

bool holds_tensors(const pickle::ValuePtr& value) {
  return value && value->kind == ValueKind::dict && tensor_count(*value) > 0;
}

std::vector<std::string> top_level_keys(const pickle::Value& root) {
  std::vector<std::string> keys;
  for (const auto& entry : root.entries)
    keys.push_back(entry.first->kind == ValueKind::string ? entry.first->text : describe(*entry.first));
  return keys;
}

StateDict read_entries(const pickle::Value& dict, const std::string& location, const std::string& file) {
  StateDict state;
  state.location = location;
  for (const auto& [key, value] : dict.entries) {
    if (key->kind != ValueKind::string)
      throw Error(fmt::format("{}: the state dict at {} has a key {}, not a string", file, location, describe(*key)));
    if (value->kind == ValueKind::tensor) state.tensors.emplace_back(key->text, value->tensor->tensor);
    else state.non_tensors.push_back(key->text);
  }
  const bool data_parallel = std::all_of(state.tensors.begin(), state.tensors.end(),
                                         [](const auto& entry) { return entry.first.rfind(kDataParallelPrefix, 0) == 0; });
  if (data_parallel) {
    for (auto& entry : state.tensors) entry.first.erase(0, std::string(kDataParallelPrefix).size());
    state.stripped_module_prefix = state.tensors.size();
  }
  return state;
}

StateDict entry_of(const pickle::Value& root, const std::string& key, const std::string& file) {
  StateDict state = read_entries(*root.find(key), "'" + key + "'", file);
  for (const auto& name : top_level_keys(root))
    if (name != key) state.other_entries.push_back(name);
  return state;
}

}  // namespace

StateDict find_state_dict(const pickle::Value& root, const std::string& key, const std::string& file) {
  if (root.kind != ValueKind::dict)
    throw Error(fmt::format("{} holds {}, not a dict of tensors or a training checkpoint", file, describe(root)));
  const std::string keys = join_names(top_level_keys(root));
  if (!key.empty()) {
    if (!holds_tensors(root.find(key)))
      throw Error(fmt::format("{}: --key {}: {}; the top level holds {}", file, key,
                              root.find(key) ? "not a dict of tensors" : "no such entry", keys));
    return entry_of(root, key, file);
  }
  if (tensor_count(root) > 0 && tensor_count(root) == root.entries.size()) return read_entries(root, "the top level", file);
  for (const char* candidate : {"model", "state_dict", "module", "model_state"})
    if (holds_tensors(root.find(candidate))) return entry_of(root, candidate, file);
  if (tensor_count(root) > 0) return read_entries(root, "the top level", file);
  throw Error(fmt::format("{}: no state dict found: the top level holds {}; choose the entry with --key", file, keys));
}

}  // namespace mmkd

#include "config/experiment_file.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {
namespace {

std::vector<ConfigNode> extends_entries(const ConfigNode& extends) {
  if (extends.is_scalar()) return {extends};
  if (extends.is_list()) {
    for (const ConfigNode& item : extends.items())
      if (!item.is_scalar()) throw ConfigError(item.where(), "extends", "expected a file name, got " + item.describe());
    return extends.items();
  }
  throw ConfigError(extends.where(), "extends",
                    "expected a file name or a list of file names, got " + extends.describe());
}

std::string describe_cycle(const std::vector<std::string>& stack, size_t first, const std::string& path) {
  std::string cycle;
  for (size_t i = first; i < stack.size(); ++i) cycle += stack[i] + " -> ";
  return cycle + path;
}

// Loads `path` with its bases merged underneath; `stack` holds the files being loaded.
ConfigNode load_with_bases(const std::string& path, std::vector<std::string>& stack) {
  ConfigNode file = parse_yaml_file(path);
  if (file.is_null()) file = ConfigNode::map(SourceLocation{path, 0, 0});
  if (!file.is_map()) throw ConfigError(file.where(), "", "an experiment file must be a map, got " + file.describe());
  const ConfigNode* extends = file.find("extends");
  if (extends == nullptr) return file;

  stack.push_back(path);
  ConfigNode merged = ConfigNode::map(file.where());
  for (const ConfigNode& entry : extends_entries(*extends)) {
    fs::path base = fs::path(path).parent_path() / entry.value();
    std::string base_path = base.lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(base_path, ec))
      throw ConfigError(entry.where(), "extends", "no such config file `" + base_path + "`");
    for (size_t i = 0; i < stack.size(); ++i)
      if (fs::equivalent(stack[i], base_path, ec))
        throw ConfigError(entry.where(), "extends", "extends cycle: " + describe_cycle(stack, i, base_path));
    deep_merge(merged, load_with_bases(base_path, stack));
  }
  stack.pop_back();
  file.erase("extends");
  deep_merge(merged, file);
  return merged;
}

}  // namespace

ConfigNode load_experiment(const std::string& path, const std::vector<std::string>& overrides, ExperimentVariant variant) {
  std::vector<std::string> stack;
  ConfigNode root = load_with_bases(path, stack);
  apply_variant(root, variant);
  for (const std::string& override_text : overrides) apply_override(root, override_text);
  interpolate(root);
  return root;
}

}  // namespace mmkd

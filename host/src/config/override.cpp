#include "config/experiment_file.hpp"

namespace mmkd {
namespace {

const SourceLocation kCommandLine{"<command line>", 0, 0};

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

void place_on_command_line(ConfigNode& node) {
  node.set_where(kCommandLine);
  for (ConfigNode& item : node.items()) place_on_command_line(item);
  for (auto& entry : node.entries()) place_on_command_line(entry.second);
}

ConfigNode parse_override_value(const std::string& text, const std::string& key, const std::string& override_text) {
  try {
    ConfigNode value = parse_yaml_string(text, kCommandLine.file);
    place_on_command_line(value);
    return value;
  } catch (const ConfigError& e) {
    throw ConfigError(kCommandLine, key, "override `" + override_text + "`: " + e.diagnostics().front().message);
  }
}

// `~key` or `~key=value` (Hydra's removal): the key must be there (with that value).
void remove_key_path(ConfigNode& root, const std::string& text, const std::string& override_text) {
  const size_t equals = text.find('=');
  const std::string key = trim(text.substr(0, equals));
  const ConfigNode* current = key.empty() ? nullptr : root.at_path(key);
  if (current == nullptr)
    throw ConfigError(kCommandLine, key, "override `" + override_text + "` removes `" + key + "`, which the config does not have");
  if (equals != std::string::npos) {
    const ConfigNode expected = parse_override_value(text.substr(equals + 1), key, override_text);
    if (!current->is_scalar() || !expected.is_scalar() || current->value() != expected.value())
      throw ConfigError(kCommandLine, key, "override `" + override_text + "`: `" + key + "` is " + current->describe() +
                                               ", not " + expected.describe());
  }
  std::vector<std::string> segments = split_key_path(key);
  const std::string last = segments.back();
  segments.pop_back();
  ConfigNode* parent = &root;
  for (const std::string& segment : segments) parent = parent->child(segment);
  if (!parent->is_map())
    throw ConfigError(kCommandLine, key, "override `" + override_text + "`: only keys of maps can be removed, and `" +
                                             key.substr(0, key.rfind('.')) + "` is " + parent->describe());
  parent->erase(last);
}

}  // namespace

void apply_override(ConfigNode& root, const std::string& override_text) {
  std::string text = trim(override_text);
  if (text.rfind('~', 0) == 0) return remove_key_path(root, text.substr(1), override_text);
  const bool add_or_replace = text.rfind("++", 0) == 0, add = !add_or_replace && text.rfind('+', 0) == 0;
  if (add_or_replace || add) text = text.substr(add ? 1 : 2);
  size_t equals = text.find('=');
  std::string key = trim(text.substr(0, equals));
  if (equals == std::string::npos || key.empty())
    throw ConfigError(kCommandLine, "",
                      "malformed override `" + override_text + "`: expected key.path=value, +key.path=value or ~key.path");
  std::vector<std::string> segments = split_key_path(key);
  for (const std::string& segment : segments)
    if (segment.empty()) throw ConfigError(kCommandLine, key, "override `" + override_text + "`: empty key segment");
  if (const ConfigNode* current = root.at_path(key); add && current != nullptr && !current->is_null())
    throw ConfigError(kCommandLine, key, "override `" + override_text + "` adds `" + key + "`, which is already " +
                                             current->describe() + ": write `" + key + "=...` (or `++" + key + "=...`) to replace it");
  set_key_path(root, key, parse_override_value(text.substr(equals + 1), key, override_text), "override `" + override_text + "`");
}

void set_key_path(ConfigNode& root, const std::string& key, ConfigNode value, const std::string& context) {
  const std::vector<std::string> segments = split_key_path(key);
  ConfigNode* node = &root;
  std::string path;
  for (const std::string& segment : segments) {
    if (node->is_null()) *node = ConfigNode::map(kCommandLine);
    ConfigNode* next = node->child(segment);
    if (next == nullptr && node->is_map()) next = &node->set(segment, ConfigNode());
    if (next == nullptr)
      throw ConfigError(kCommandLine, key,
                        context + ": `" + (path.empty() ? "<root>" : path) + "` is " +
                            node->describe() + ", it has no key `" + segment + "`");
    path += (path.empty() ? "" : ".") + segment;
    node = next;
  }
  *node = std::move(value);
}

}  // namespace mmkd

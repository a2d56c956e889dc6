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

}  // namespace

void apply_override(ConfigNode& root, const std::string& override_text) {
  size_t equals = override_text.find('=');
  std::string key = trim(override_text.substr(0, equals));
  if (equals == std::string::npos || key.empty())
    throw ConfigError(kCommandLine, "", "malformed override `" + override_text + "`: expected key.path=value");
  std::vector<std::string> segments = split_key_path(key);
  for (const std::string& segment : segments)
    if (segment.empty()) throw ConfigError(kCommandLine, key, "override `" + override_text + "`: empty key segment");
  set_key_path(root, key, parse_override_value(override_text.substr(equals + 1), key, override_text), "override `" + override_text + "`");
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

#include <mmkd_wandb/config_json.hpp>

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace mmkd::wandb {

namespace {

nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  static const std::regex null_text("~|null|Null|NULL"), true_text("true|True|TRUE"), false_text("false|False|FALSE");
  static const std::regex int_text("[-+]?[0-9]+");
  static const std::regex float_text("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");
  if (text.empty() || std::regex_match(text, null_text)) return nullptr;
  if (std::regex_match(text, true_text)) return true;
  if (std::regex_match(text, false_text)) return false;
  if (std::regex_match(text, int_text)) {
    errno = 0;
    const long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) return value;
  }
  if (std::regex_match(text, float_text)) return std::strtod(text.c_str(), nullptr);
  return text;
}

nlohmann::json node_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) object[entry.first.Scalar()] = node_to_json(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& element : node) array.push_back(node_to_json(element));
      return array;
    }
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    default: return nullptr;
  }
}

}  // namespace

nlohmann::json yaml_to_json(const std::string& yaml) { return node_to_json(YAML::Load(yaml)); }

nlohmann::json wandb_config(const std::string& path) {
  nlohmann::json config = nlohmann::json::object();
  std::ifstream in(path);
  if (!in) return config;
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json tree = yaml_to_json(text.str());
  if (tree.is_object())
    for (const auto& [key, value] : tree.items()) config[key] = {{"value", value}};
  return config;
}

}  // namespace mmkd::wandb

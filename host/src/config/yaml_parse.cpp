#include "config/experiment_file.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace mmkd {
namespace {

SourceLocation location_of(const YAML::Mark& mark, const std::string& source_name) {
  if (mark.is_null()) return {source_name, 0, 0};
  return {source_name, mark.line + 1, mark.column + 1};
}

bool is_quoted(const YAML::Node& node) { return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str"; }

bool is_block_collection(const YAML::Node& node) {
  return (node.IsMap() || node.IsSequence()) && node.Style() != YAML::EmitterStyle::Flow;
}

class YamlConverter {
 public:
  explicit YamlConverter(std::string source_name) : source_name_(std::move(source_name)) {}

  // `where` overrides the node's own mark: a map value that is null or a block collection is
  // placed at its key, where a reader looks for it.
  ConfigNode convert(const YAML::Node& yaml, const SourceLocation& where, const std::string& key_path) {
    if (stopped_) return ConfigNode();
    if (depth_ == kMaxDepth || converted_ == kMaxValues) {
      const std::string limit = depth_ == kMaxDepth ? "nested deeper than " + std::to_string(kMaxDepth) + " levels"
                                                    : "more than " + std::to_string(kMaxValues) + " values";
      errors_.push_back({where, key_path, limit + " (an alias inside the node it names, or aliases of aliases?)"});
      stopped_ = true;  // one error; the rest of the tree is not converted
      return ConfigNode();
    }
    ++converted_;
    ++depth_;
    ConfigNode node = convert_node(yaml, where, key_path);
    --depth_;
    return node;
  }

  const std::vector<Diagnostic>& errors() const { return errors_; }

 private:
  static constexpr int kMaxDepth = 64;
  static constexpr int64_t kMaxValues = 100000;

  ConfigNode convert_node(const YAML::Node& yaml, const SourceLocation& where, const std::string& key_path) {
    switch (yaml.Type()) {
      case YAML::NodeType::Scalar: {
        ConfigNode node = ConfigNode::scalar(yaml.Scalar(), where);
        node.set_quoted(is_quoted(yaml));
        return node;
      }
      case YAML::NodeType::Sequence: {
        ConfigNode node = ConfigNode::list(where);
        for (const YAML::Node& item : yaml) {
          std::string item_path = join(key_path, std::to_string(node.items().size()));
          node.push_back(convert(item, location_of(item.Mark(), source_name_), item_path));
        }
        return node;
      }
      case YAML::NodeType::Map: return convert_map(yaml, where, key_path);
      default: {
        ConfigNode node;
        node.set_where(where);
        return node;
      }
    }
  }

  ConfigNode convert_map(const YAML::Node& yaml, const SourceLocation& where, const std::string& key_path) {
    ConfigNode node = ConfigNode::map(where);
    std::map<std::string, int> first_line;
    for (auto it = yaml.begin(); it != yaml.end(); ++it) {
      SourceLocation key_where = location_of(it->first.Mark(), source_name_);
      if (!it->first.IsScalar()) {
        errors_.push_back({key_where, key_path, "a map key must be a string"});
        continue;
      }
      const std::string key = it->first.Scalar();
      std::string path = join(key_path, key);
      auto [previous, inserted] = first_line.emplace(key, key_where.line);
      if (!inserted) {
        errors_.push_back({key_where, path,
                           "duplicate key `" + key + "` (first at line " + std::to_string(previous->second) +
                               ", again at line " + std::to_string(key_where.line) + ")"});
        continue;
      }
      const YAML::Node value = it->second;  // a copy: `it->` points into a temporary
      bool at_key = value.IsNull() || is_block_collection(value);
      node.entries().emplace_back(key,
                                  convert(value, at_key ? key_where : location_of(value.Mark(), source_name_), path));
    }
    return node;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  std::string source_name_;
  std::vector<Diagnostic> errors_;
  int depth_ = 0;
  int64_t converted_ = 0;
  bool stopped_ = false;
};

}  // namespace

ConfigNode parse_yaml_string(const std::string& text, const std::string& source_name) {
  YAML::Node yaml;
  try {
    yaml = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(location_of(e.mark, source_name), "", "invalid YAML: " + e.msg);
  }
  YamlConverter converter(source_name);
  ConfigNode root = converter.convert(yaml, location_of(yaml.Mark(), source_name), "");
  if (!converter.errors().empty()) throw ConfigError(converter.errors());
  return root;
}

ConfigNode parse_yaml_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw ConfigError(SourceLocation{path, 0, 0}, "",
                      std::filesystem::exists(path, ec) ? "not a regular file" : "no such config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(SourceLocation{path, 0, 0}, "", "cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_yaml_string(text.str(), path);
}

}  // namespace mmkd

#pragma once
// A YAML tree that remembers, for every node, the file, line and column it came from.
#include <mmkd/error.hpp>

#include <string>
#include <utility>
#include <vector>

namespace mmkd {

class ConfigNode {
 public:
  enum class Type { Null, Scalar, List, Map };

  ConfigNode() = default;
  static ConfigNode scalar(std::string value, SourceLocation where = {});
  static ConfigNode list(SourceLocation where = {});
  static ConfigNode map(SourceLocation where = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_scalar() const { return type_ == Type::Scalar; }
  bool is_list() const { return type_ == Type::List; }
  bool is_map() const { return type_ == Type::Map; }
  const SourceLocation& where() const { return where_; }
  void set_where(SourceLocation where) { where_ = std::move(where); }
  std::string describe() const;  // "a map", "a list", "the string 'abc'", "null"

  // Scalars
  const std::string& value() const { return value_; }
  bool quoted() const { return quoted_; }  // written in quotes: always a string
  void set_quoted(bool quoted) { quoted_ = quoted; }

  // Lists
  const std::vector<ConfigNode>& items() const { return items_; }
  std::vector<ConfigNode>& items() { return items_; }
  void push_back(ConfigNode node) { items_.push_back(std::move(node)); }

  // Maps, in document order
  const std::vector<std::pair<std::string, ConfigNode>>& entries() const { return entries_; }
  std::vector<std::pair<std::string, ConfigNode>>& entries() { return entries_; }
  const ConfigNode* find(const std::string& key) const;
  ConfigNode* find(const std::string& key);
  ConfigNode& set(const std::string& key, ConfigNode node);  // replaces in place or appends
  bool erase(const std::string& key);
  std::vector<std::string> keys() const;

  // One step of a path: a map key, or a list index ("0"); nullptr when absent.
  const ConfigNode* child(const std::string& segment) const;
  ConfigNode* child(const std::string& segment);
  // Dotted path "a.b.c" (list items by index: "a.0.b"); nullptr when absent.
  const ConfigNode* at_path(const std::string& dotted) const;

 private:
  Type type_ = Type::Null;
  SourceLocation where_;
  std::string value_;
  bool quoted_ = false;
  std::vector<ConfigNode> items_;
  std::vector<std::pair<std::string, ConfigNode>> entries_;
};

// "a.0.b" -> {"a", "0", "b"}; "" -> {}.
std::vector<std::string> split_key_path(const std::string& dotted);

}  // namespace mmkd

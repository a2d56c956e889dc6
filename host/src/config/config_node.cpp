#include "config/config_node.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace mmkd {

ConfigNode ConfigNode::scalar(std::string value, SourceLocation where) {
  ConfigNode node;
  node.type_ = Type::Scalar;
  node.value_ = std::move(value);
  node.where_ = std::move(where);
  return node;
}

ConfigNode ConfigNode::list(SourceLocation where) {
  ConfigNode node;
  node.type_ = Type::List;
  node.where_ = std::move(where);
  return node;
}

ConfigNode ConfigNode::map(SourceLocation where) {
  ConfigNode node;
  node.type_ = Type::Map;
  node.where_ = std::move(where);
  return node;
}

std::string ConfigNode::describe() const {
  switch (type_) {
    case Type::Null: return "null";
    case Type::List: return "a list";
    case Type::Map: return "a map";
    case Type::Scalar: return (quoted_ ? "the quoted string '" : "the string '") + value_ + "'";
  }
  return "?";
}

const ConfigNode* ConfigNode::find(const std::string& key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

ConfigNode* ConfigNode::find(const std::string& key) {
  for (auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

ConfigNode& ConfigNode::set(const std::string& key, ConfigNode node) {
  if (type_ != Type::Map) throw Error("ConfigNode::set(\"" + key + "\") on " + describe());
  if (ConfigNode* existing = find(key)) return *existing = std::move(node);
  entries_.emplace_back(key, std::move(node));
  return entries_.back().second;
}

bool ConfigNode::erase(const std::string& key) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> keys;
  for (const auto& entry : entries_) keys.push_back(entry.first);
  return keys;
}

static bool is_index(const std::string& segment) {
  return !segment.empty() && segment.size() < 10 &&
         std::all_of(segment.begin(), segment.end(), [](unsigned char c) { return std::isdigit(c); });
}

const ConfigNode* ConfigNode::child(const std::string& segment) const {
  if (is_map()) return find(segment);
  if (is_list() && is_index(segment) && std::stoul(segment) < items_.size()) return &items_[std::stoul(segment)];
  return nullptr;
}

ConfigNode* ConfigNode::child(const std::string& segment) {
  return const_cast<ConfigNode*>(std::as_const(*this).child(segment));
}

const ConfigNode* ConfigNode::at_path(const std::string& dotted) const {
  const ConfigNode* node = this;
  for (const std::string& segment : split_key_path(dotted)) {
    node = node->child(segment);
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::vector<std::string> split_key_path(const std::string& dotted) {
  std::vector<std::string> segments;
  if (dotted.empty()) return segments;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    segments.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return segments;
    start = dot + 1;
  }
}

}  // namespace mmkd

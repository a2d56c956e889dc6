#include "io/pickle_value.hpp"

#include <fmt/format.h>

namespace mmkd::pickle {

ValuePtr make_value(ValueKind kind) {
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

ValuePtr Value::find(const std::string& key) const {
  auto it = string_keys_.find(key);
  return it == string_keys_.end() ? nullptr : entries[it->second].second;
}

void Value::set_item(ValuePtr key, ValuePtr value) {
  if (key->kind == ValueKind::string) {
    auto [it, inserted] = string_keys_.emplace(key->text, entries.size());
    if (!inserted) {
      entries[it->second].second = std::move(value);
      return;
    }
  } else if (key->kind == ValueKind::integer) {
    for (auto& entry : entries)
      if (entry.first->kind == ValueKind::integer && entry.first->integer == key->integer) {
        entry.second = std::move(value);
        return;
      }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

std::string describe(const Value& value) {
  switch (value.kind) {
    case ValueKind::none: return "None";
    case ValueKind::boolean: return value.boolean ? "True" : "False";
    case ValueKind::integer: return fmt::format("int {}", value.integer);
    case ValueKind::big_integer: return "a large int";
    case ValueKind::floating: return fmt::format("float {}", value.floating);
    case ValueKind::string: return fmt::format("str '{}'", value.text.size() > 40 ? value.text.substr(0, 40) + "..." : value.text);
    case ValueKind::bytes: return fmt::format("bytes of length {}", value.text.size());
    case ValueKind::tuple: return fmt::format("a tuple of {}", value.items.size());
    case ValueKind::list: return fmt::format("a list of {}", value.items.size());
    case ValueKind::set: return fmt::format("a set of {}", value.items.size());
    case ValueKind::dict: return fmt::format("a dict of {}", value.entries.size());
    case ValueKind::tensor: return "a tensor";
    case ValueKind::object: return value.text + " object";
    case ValueKind::global: return value.text;
    case ValueKind::storage: return "a storage";
  }
  return "?";
}

}  // namespace mmkd::pickle

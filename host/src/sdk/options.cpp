#include <mmkd/options.hpp>

#include <fmt/format.h>

#include <sstream>

namespace mmkd {

const char* option_type_name(OptionType type) {
  switch (type) {
    case OptionType::Bool: return "bool";
    case OptionType::Int: return "int";
    case OptionType::Float: return "float";
    case OptionType::String: return "string";
    case OptionType::IntList: return "list of int";
    case OptionType::FloatList: return "list of float";
    case OptionType::StringList: return "list of string";
  }
  return "?";
}

static std::string format_double(double v) { return fmt::format("{}", v); }

namespace {
struct ValueFormatter {
  std::string operator()(bool v) const { return v ? "true" : "false"; }
  std::string operator()(int64_t v) const { return std::to_string(v); }
  std::string operator()(double v) const { return format_double(v); }
  std::string operator()(const std::string& v) const { return "\"" + v + "\""; }
  template <class T>
  std::string operator()(const std::vector<T>& list) const {
    std::string s = "[";
    for (size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + (*this)(list[i]);
    return s + "]";
  }
};
}  // namespace

std::string format_option_value(const OptionValue& value) { return std::visit(ValueFormatter{}, value); }

std::string Constraint::to_string() const {
  if (!choices.empty()) {
    std::string s = "one of: ";
    for (size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
    return s;
  }
  if (min && max)
    return fmt::format("in {}{}, {}{}", min_exclusive ? "(" : "[", format_double(*min), format_double(*max),
                       max_exclusive ? ")" : "]");
  if (min) return fmt::format("{} {}", min_exclusive ? ">" : ">=", format_double(*min));
  if (max) return fmt::format("{} {}", max_exclusive ? "<" : "<=", format_double(*max));
  return "";
}

Constraint range(double lo, double hi) {
  Constraint c;
  c.min = lo;
  c.max = hi;
  return c;
}

Constraint at_least(double lo) {
  Constraint c;
  c.min = lo;
  return c;
}

Constraint positive() {
  Constraint c;
  c.min = 0.0;
  c.min_exclusive = true;
  return c;
}

Constraint one_of(std::vector<std::string> choices) {
  Constraint c;
  c.choices = std::move(choices);
  return c;
}

Options::Options(std::string key_path, SourceLocation where, std::map<std::string, Entry> entries)
    : key_path_(std::move(key_path)), where_(std::move(where)), entries_(std::move(entries)) {}

const Options::Entry& Options::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw Error("option `" + name + "` is not declared by the component at " +
                (key_path_.empty() ? std::string("<unnamed>") : key_path_));
  return it->second;
}

void Options::fail(const std::string& name, const std::string& message) const {
  auto it = entries_.find(name);
  SourceLocation where = it != entries_.end() ? it->second.where : where_;
  throw ConfigError(where, key_path_.empty() ? name : key_path_ + "." + name, message);
}

}  // namespace mmkd

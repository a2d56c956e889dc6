#pragma once
// Options a component declares once: type, default, doc and constraints. The host checks a
// config node against the declaration and hands the component validated values.
#include <mmkd/error.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace mmkd {

enum class OptionType { Bool, Int, Float, String, IntList, FloatList, StringList };

using OptionValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>,
                                 std::vector<double>, std::vector<std::string>>;

const char* option_type_name(OptionType type);  // "bool", "int", "float", "string", "list of int", ...
std::string format_option_value(const OptionValue& value);  // YAML-like: 0.07, true, [1, 2], "abc"

// Constraints checked on a number (or on every element of a list of numbers) or a string.
struct Constraint {
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
  std::vector<std::string> choices;  // allowed strings; empty = any
  std::string to_string() const;    // "in [0, 1]", "> 0", "one of: mean, sum"
};
Constraint range(double lo, double hi);  // lo <= x <= hi
Constraint at_least(double lo);          // x >= lo
Constraint positive();                   // x > 0
Constraint one_of(std::vector<std::string> choices);

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::String;
  std::optional<OptionValue> default_value;  // nullopt: the option is required
  std::string doc;
  Constraint constraint;
};

namespace detail {
template <class T>
constexpr OptionType option_type_of() {
  if constexpr (std::is_same_v<T, bool>) return OptionType::Bool;
  else if constexpr (std::is_integral_v<T>) return OptionType::Int;
  else if constexpr (std::is_floating_point_v<T>) return OptionType::Float;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return OptionType::StringList;
  else if constexpr (std::is_same_v<T, std::vector<double>> || std::is_same_v<T, std::vector<float>>)
    return OptionType::FloatList;
  else if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<int>>)
    return OptionType::IntList;
  else return OptionType::String;
}
template <class T>
OptionValue to_option_value(const T& v) {
  if constexpr (std::is_same_v<T, bool>) return v;
  else if constexpr (std::is_integral_v<T>) return static_cast<int64_t>(v);
  else if constexpr (std::is_floating_point_v<T>) return static_cast<double>(v);
  else if constexpr (std::is_same_v<T, std::vector<int>>) return std::vector<int64_t>(v.begin(), v.end());
  else if constexpr (std::is_same_v<T, std::vector<float>>) return std::vector<double>(v.begin(), v.end());
  else if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<double>> ||
                     std::is_same_v<T, std::vector<std::string>>)
    return v;
  else return std::string(v);
}
}  // namespace detail

// Validated option values of one component instance, with where each came from.
class Options {
 public:
  struct Entry {
    OptionValue value;
    SourceLocation where;  // of the config value; of the component node when defaulted
    bool from_config = false;
  };

  Options() = default;
  Options(std::string key_path, SourceLocation where, std::map<std::string, Entry> entries);

  template <class T>
  T get(const std::string& name) const {
    const OptionValue& v = entry(name).value;
    if constexpr (std::is_same_v<T, bool>) return std::get<bool>(v);
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(std::get<int64_t>(v));
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(std::get<double>(v));
    else if constexpr (std::is_same_v<T, std::vector<int>>) {
      const auto& l = std::get<std::vector<int64_t>>(v);
      return std::vector<int>(l.begin(), l.end());
    } else return std::get<T>(v);
  }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  bool from_config(const std::string& name) const { return entry(name).from_config; }
  const SourceLocation& where(const std::string& name) const { return entry(name).where; }
  const std::string& key_path() const { return key_path_; }  // e.g. "model.image"
  const SourceLocation& where() const { return where_; }
  const std::map<std::string, Entry>& entries() const { return entries_; }

  // Reject a value a component cannot use (e.g. dim not divisible by heads): throws
  // ConfigError at the option's file and line.
  [[noreturn]] void fail(const std::string& name, const std::string& message) const;

 private:
  const Entry& entry(const std::string& name) const;
  std::string key_path_;
  SourceLocation where_;
  std::map<std::string, Entry> entries_;
};

}  // namespace mmkd

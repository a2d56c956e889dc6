#include "config/option_check.hpp"

#include "config/scalar_parse.hpp"
#include "util/names.hpp"

#include <algorithm>
#include <optional>

namespace mmkd {
namespace {

std::string join_key(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

OptionType element_type(OptionType type) {
  switch (type) {
    case OptionType::IntList: return OptionType::Int;
    case OptionType::FloatList: return OptionType::Float;
    case OptionType::StringList: return OptionType::String;
    default: return type;
  }
}

bool is_list_type(OptionType type) { return element_type(type) != type; }

bool within(const Constraint& c, double v) {
  if (c.min && !(c.min_exclusive ? v > *c.min : v >= *c.min)) return false;
  if (c.max && !(c.max_exclusive ? v < *c.max : v <= *c.max)) return false;
  return true;
}

class ValueChecker {
 public:
  explicit ValueChecker(std::vector<Diagnostic>& errors) : errors_(errors) {}

  std::optional<OptionValue> check(const OptionSpec& spec, const ConfigNode& value, const std::string& key) {
    if (!is_list_type(spec.type)) return check_element(spec.type, spec.constraint, value, key);
    if (!value.is_list())
      return fail(value, key, std::string("expected ") + option_type_name(spec.type) + ", got " + value.describe());
    std::vector<OptionValue> elements;
    for (size_t i = 0; i < value.items().size(); ++i)
      if (auto element = check_element(element_type(spec.type), spec.constraint, value.items()[i],
                                       join_key(key, std::to_string(i))))
        elements.push_back(*element);
    if (elements.size() != value.items().size()) return std::nullopt;
    switch (spec.type) {
      case OptionType::IntList: return collect<int64_t>(elements);
      case OptionType::FloatList: return collect<double>(elements);
      default: return collect<std::string>(elements);
    }
  }

 private:
  template <class T>
  static OptionValue collect(const std::vector<OptionValue>& elements) {
    std::vector<T> values;
    for (const auto& element : elements) values.push_back(std::get<T>(element));
    return values;
  }

  std::optional<OptionValue> check_element(OptionType type, const Constraint& constraint, const ConfigNode& value,
                                           const std::string& key) {
    std::optional<OptionValue> parsed = parse(type, value, key);
    if (!parsed) return std::nullopt;
    if (type == OptionType::String) return check_choice(constraint, *parsed, value, key);
    if (type == OptionType::Bool) return parsed;
    double number =
        type == OptionType::Int ? static_cast<double>(std::get<int64_t>(*parsed)) : std::get<double>(*parsed);
    if (!within(constraint, number))
      return fail(value, key, "must be " + constraint.to_string() + ", got " + format_option_value(*parsed));
    return parsed;
  }

  std::optional<OptionValue> parse(OptionType type, const ConfigNode& value, const std::string& key) {
    std::string expected = std::string("expected ") + option_type_name(type) + ", got " + value.describe();
    if (!value.is_scalar()) return fail(value, key, expected);
    if (type == OptionType::String) return value.value();
    if (type == OptionType::Bool) {
      if (auto parsed = bool_scalar(value)) return *parsed;
      return fail(value, key, expected);
    }
    ScalarProblem problem = ScalarProblem::none;
    if (type == OptionType::Int) {
      if (auto parsed = int_scalar(value, &problem)) return *parsed;
      return fail(value, key, problem == ScalarProblem::out_of_range ? "integer " + value.value() + " is out of range" : expected);
    }
    if (auto parsed = float_scalar(value, &problem)) return *parsed;
    return fail(value, key, problem == ScalarProblem::out_of_range ? "number " + value.value() + " is out of range" : expected);
  }

  std::optional<OptionValue> check_choice(const Constraint& constraint, const OptionValue& parsed,
                                          const ConfigNode& value, const std::string& key) {
    const auto& choices = constraint.choices;
    const std::string& text = std::get<std::string>(parsed);
    if (choices.empty() || std::find(choices.begin(), choices.end(), text) != choices.end()) return parsed;
    return fail(value, key,
                "must be " + constraint.to_string() + ", got " + format_option_value(parsed) + did_you_mean(text, choices));
  }

  std::nullopt_t fail(const ConfigNode& value, const std::string& key, const std::string& message) {
    errors_.push_back({value.where(), key, message});
    return std::nullopt;
  }

  std::vector<Diagnostic>& errors_;
};

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& name) {
  for (const auto& spec : specs)
    if (spec.name == name) return &spec;
  return nullptr;
}

std::string unknown_option_message(const std::vector<OptionSpec>& specs, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& spec : specs) names.push_back(spec.name);
  return "unknown option `" + name + "`" + did_you_mean(name, names) + (names.empty() ? "; this component takes no options" : "; valid options: " + join_names(names));
}

std::string required_message(const OptionSpec& spec) {
  std::string about = option_type_name(spec.type);
  if (!spec.doc.empty()) about += ": " + spec.doc;
  return "missing required option `" + spec.name + "` (" + about + ")";
}

}  // namespace

Options check_options(const std::vector<OptionSpec>& specs, const ConfigNode& node, const std::string& key_path,
                      const std::set<std::string>& reserved, std::vector<Diagnostic>& errors) {
  std::map<std::string, Options::Entry> entries;
  for (const auto& spec : specs)
    if (spec.default_value) entries[spec.name] = Options::Entry{*spec.default_value, node.where(), false};
  if (!node.is_map() && !node.is_null()) {
    errors.push_back({node.where(), key_path, "expected a map of options, got " + node.describe()});
    return Options(key_path, node.where(), std::move(entries));
  }

  ValueChecker checker(errors);
  for (const auto& [name, value] : node.entries()) {
    if (reserved.count(name)) continue;
    const OptionSpec* spec = find_spec(specs, name);
    if (spec == nullptr) {
      errors.push_back({value.where(), join_key(key_path, name), unknown_option_message(specs, name)});
      continue;
    }
    if (auto checked = checker.check(*spec, value, join_key(key_path, name)))
      entries[name] = Options::Entry{*checked, value.where(), true};
  }
  for (const auto& spec : specs)
    if (!spec.default_value && node.find(spec.name) == nullptr)
      errors.push_back({node.where(), join_key(key_path, spec.name), required_message(spec)});
  return Options(key_path, node.where(), std::move(entries));
}

}  // namespace mmkd

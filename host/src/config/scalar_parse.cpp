#include "config/scalar_parse.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>

namespace mmkd {
namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool all_digits(const std::string& s, size_t begin, size_t end) {
  return begin < end &&
         std::all_of(s.begin() + begin, s.begin() + end, [](unsigned char c) { return std::isdigit(c); });
}

bool digits_or_empty(const std::string& s, size_t begin, size_t end) {
  return begin == end || all_digits(s, begin, end);
}

size_t sign_length(const std::string& s, size_t at = 0) {
  return at < s.size() && (s[at] == '+' || s[at] == '-') ? 1 : 0;
}

bool is_int_text(const std::string& s) { return all_digits(s, sign_length(s), s.size()); }

// [+-] (digits [. digits?] | . digits) [(e|E) [+-] digits]
bool is_float_text(const std::string& s) {
  size_t begin = sign_length(s);
  size_t exponent = s.find_first_of("eE", begin);
  size_t mantissa_end = exponent == std::string::npos ? s.size() : exponent;
  size_t dot = s.find('.', begin);
  bool mantissa_ok = dot >= mantissa_end
                         ? all_digits(s, begin, mantissa_end)
                         : digits_or_empty(s, begin, dot) && digits_or_empty(s, dot + 1, mantissa_end) &&
                               (dot > begin || dot + 1 < mantissa_end);
  if (exponent == std::string::npos) return mantissa_ok;
  return mantissa_ok && all_digits(s, exponent + 1 + sign_length(s, exponent + 1), s.size());
}

std::optional<double> special_float(const std::string& s) {
  std::string lower = lowercase(s);
  if (lower == ".inf" || lower == "+.inf") return std::numeric_limits<double>::infinity();
  if (lower == "-.inf") return -std::numeric_limits<double>::infinity();
  if (lower == ".nan") return std::numeric_limits<double>::quiet_NaN();
  return std::nullopt;
}

template <class T>
std::optional<T> parse_number(const std::string& s, ScalarProblem* problem) {
  T out{};
  size_t begin = s[0] == '+' ? 1 : 0;
  auto [end, error] = std::from_chars(s.data() + begin, s.data() + s.size(), out);
  if (error == std::errc() && end == s.data() + s.size()) return out;
  if (problem) *problem = ScalarProblem::out_of_range;
  return std::nullopt;
}

bool plain_scalar(const ConfigNode& node) { return node.is_scalar() && !node.quoted(); }

std::nullopt_t wrong_type(ScalarProblem* problem) {
  if (problem) *problem = ScalarProblem::wrong_type;
  return std::nullopt;
}

}  // namespace

std::optional<bool> bool_scalar(const ConfigNode& node) {
  if (!plain_scalar(node)) return std::nullopt;
  const std::string lower = lowercase(node.value());
  if (lower == "true" || lower == "false") return lower == "true";
  return std::nullopt;
}

std::optional<int64_t> int_scalar(const ConfigNode& node, ScalarProblem* problem) {
  if (!plain_scalar(node) || !is_int_text(node.value())) return wrong_type(problem);
  return parse_number<int64_t>(node.value(), problem);
}

std::optional<double> float_scalar(const ConfigNode& node, ScalarProblem* problem) {
  if (!plain_scalar(node)) return wrong_type(problem);
  if (auto special = special_float(node.value())) return special;
  if (!is_float_text(node.value())) return wrong_type(problem);
  return parse_number<double>(node.value(), problem);
}

}  // namespace mmkd

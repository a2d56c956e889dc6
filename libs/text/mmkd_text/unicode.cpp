#include <mmkd_text/unicode.hpp>

#include <algorithm>
#include <iterator>

namespace mmkd::text {

namespace {

struct CodeRange {
  char32_t first, last;
};
struct LowercaseRun {  // first, first + stride, ... up to last map to c + delta
  char32_t first, last;
  int stride, delta;
};
struct AccentStripped {
  char32_t precomposed, base, second_base;  // second_base 0: none
};

#include "unicode_tables.inc"

template <size_t N>
bool in_ranges(const CodeRange (&ranges)[N], char32_t c) {
  auto it = std::upper_bound(std::begin(ranges), std::end(ranges), c,
                             [](char32_t value, const CodeRange& range) { return value < range.first; });
  return it != std::begin(ranges) && c <= std::prev(it)->last;
}

constexpr char32_t hangul_first = 0xAC00, hangul_last = 0xD7A3;
constexpr char32_t leading_jamo = 0x1100, vowel_jamo = 0x1161, trailing_jamo = 0x11A7;
constexpr int vowels = 21, trailings = 28;

}  // namespace

bool is_whitespace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || in_ranges(space_separator_ranges, c);
}

bool is_control(char32_t c) {
  return c != '\t' && c != '\n' && c != '\r' && in_ranges(control_ranges, c);
}

bool is_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return in_ranges(punctuation_ranges, c);
}

bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_nonspacing_mark(char32_t c) { return in_ranges(nonspacing_mark_ranges, c); }

char32_t to_lower(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  auto it = std::upper_bound(std::begin(lowercase_runs), std::end(lowercase_runs), c,
                             [](char32_t value, const LowercaseRun& run) { return value < run.first; });
  if (it == std::begin(lowercase_runs)) return c;
  const LowercaseRun& run = *std::prev(it);
  if (c > run.last || (c - run.first) % static_cast<char32_t>(run.stride) != 0) return c;
  return static_cast<char32_t>(static_cast<int64_t>(c) + run.delta);
}

void append_accent_stripped(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out.push_back(c);
    return;
  }
  if (c >= hangul_first && c <= hangul_last) {  // Unicode's algorithmic decomposition (section 3.12)
    const int s = static_cast<int>(c - hangul_first);
    out.push_back(leading_jamo + s / (vowels * trailings));
    out.push_back(vowel_jamo + (s % (vowels * trailings)) / trailings);
    if (s % trailings != 0) out.push_back(trailing_jamo + s % trailings);
    return;
  }
  auto it = std::lower_bound(std::begin(accent_stripped), std::end(accent_stripped), c,
                             [](const AccentStripped& entry, char32_t value) { return entry.precomposed < value; });
  if (it != std::end(accent_stripped) && it->precomposed == c) {
    out.push_back(it->base);
    if (it->second_base != 0) out.push_back(it->second_base);
    return;
  }
  if (!is_nonspacing_mark(c)) out.push_back(c);
}

}  // namespace mmkd::text

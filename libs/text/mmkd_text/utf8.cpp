#include <mmkd_text/utf8.hpp>

namespace mmkd::text {

namespace {

// Length of the sequence a lead byte starts and the range its second byte must lie in
// (narrower than 0x80-0xBF where that excludes overlong forms, surrogates and > U+10FFFF).
struct LeadByte {
  int length = 0;  // 0: not a lead byte
  unsigned char second_min = 0x80, second_max = 0xBF;
};

LeadByte lead_byte(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {2};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {};
}

}  // namespace

std::u32string decode_utf8(const std::string& text) {
  std::u32string out;
  out.reserve(text.size());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    const LeadByte lead = lead_byte(b);
    char32_t code_point = b & (0xFF >> (lead.length + 1));
    size_t j = i + 1;
    for (int k = 1; k < lead.length && j < n; ++k, ++j) {
      const auto c = static_cast<unsigned char>(text[j]);
      const bool valid = k == 1 ? c >= lead.second_min && c <= lead.second_max : (c & 0xC0) == 0x80;
      if (!valid) break;
      code_point = (code_point << 6) | (c & 0x3F);
    }
    if (lead.length == 0 || j - i != static_cast<size_t>(lead.length)) {
      out.push_back(replacement_character);
      i = lead.length == 0 ? i + 1 : j;  // resume at the first byte that did not continue the sequence
      continue;
    }
    out.push_back(code_point);
    i = j;
  }
  return out;
}

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode_utf8(const std::u32string& text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(c, out);
  return out;
}

}  // namespace mmkd::text

#pragma once
// UTF-8 to code points and back. Decoding never fails: each invalid byte, overlong form,
// surrogate or truncated sequence becomes U+FFFD, which BERT's text cleaning drops.
#include <string>

namespace mmkd::text {

constexpr char32_t replacement_character = 0xFFFD;

std::u32string decode_utf8(const std::string& text);
void append_utf8(char32_t code_point, std::string& out);
std::string encode_utf8(const std::u32string& text);

}  // namespace mmkd::text

#include <mmkd_text/basic_tokenizer.hpp>

#include <mmkd_text/unicode.hpp>
#include <mmkd_text/utf8.hpp>

namespace mmkd::text {

namespace {

// Python's str.split() also splits at the line and paragraph separators, which are neither
// whitespace nor control characters to BERT and so survive its cleaning.
bool splits_words(char32_t c) { return is_whitespace(c) || c == 0x2028 || c == 0x2029; }

// Lower-case and strip accents of one whitespace-separated token, then split it at punctuation.
void append_words(const std::u32string& token, std::vector<std::u32string>& words) {
  std::u32string normalized;
  for (char32_t c : token) append_accent_stripped(to_lower(c), normalized);
  std::u32string word;
  for (char32_t c : normalized) {
    if (!is_punctuation(c)) {
      word.push_back(c);
      continue;
    }
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
    words.push_back(std::u32string(1, c));
  }
  if (!word.empty()) words.push_back(std::move(word));
}

}  // namespace

std::vector<std::u32string> basic_tokenize(const std::string& text) {
  std::vector<std::u32string> words;
  std::u32string token;
  auto end_token = [&] {
    if (!token.empty()) append_words(token, words);
    token.clear();
  };
  for (char32_t c : decode_utf8(text)) {
    if (c == 0 || c == replacement_character || is_control(c)) continue;
    if (splits_words(c)) {
      end_token();
    } else if (is_cjk_ideograph(c)) {
      end_token();
      append_words(std::u32string(1, c), words);
    } else {
      token.push_back(c);
    }
  }
  end_token();
  return words;
}

}  // namespace mmkd::text

#pragma once
// BERT's BasicTokenizer with do_lower_case (Devlin et al., tokenization.py): drop control
// characters and U+FFFD, split on whitespace, make each CJK ideograph a word, lower-case,
// strip accents and make each punctuation character a word.
#include <string>
#include <vector>

namespace mmkd::text {

// The words of UTF-8 `text` (invalid bytes are dropped), in order.
std::vector<std::u32string> basic_tokenize(const std::string& text);

}  // namespace mmkd::text

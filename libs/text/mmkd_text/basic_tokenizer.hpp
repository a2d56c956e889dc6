#pragma once
// BERT's BasicTokenizer with do_lower_case as transformers' BertTokenizer has it (after Devlin et
// al.'s tokenization.py, which dropped categories Cc and Cf only): drop U+FFFD and the characters
// of category C (control, format, private use, unassigned), split on whitespace, make each CJK
// ideograph a word, lower-case, strip accents and make each punctuation character a word.
#include <string>
#include <vector>

namespace mmkd::text {

// The words of UTF-8 `text` (invalid bytes are dropped), in order.
std::vector<std::u32string> basic_tokenize(const std::string& text);

}  // namespace mmkd::text

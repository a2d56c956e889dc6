#pragma once
// The character classes and mappings of BERT's BasicTokenizer, which asks Python's
// unicodedata; the tables come from make_unicode_tables.py.
#include <string>

namespace mmkd::text {

bool is_whitespace(char32_t c);   // ' ', \t, \n, \r and category Zs
bool is_control(char32_t c);      // categories C* (Cc, Cf, Cn, Co, Cs), except \t, \n, \r
bool is_punctuation(char32_t c);  // ASCII 33-47, 58-64, 91-96, 123-126 and categories P*
bool is_cjk_ideograph(char32_t c);  // BERT's _is_chinese_char blocks
bool is_nonspacing_mark(char32_t c);  // category Mn

// Python's str.lower() of one code point (U+0130 gives "i", its U+0307 being stripped later).
char32_t to_lower(char32_t c);

// NFD of a lower-cased code point with its Mn marks dropped, appended to `out`; for every
// code point with a canonical decomposition (Hangul syllables by rule, CJK compatibility
// ideographs to unified ones) except the precomposed musical notes, which are kept as they are
// (no BERT vocabulary holds their parts: a word with one is [UNK] either way).
void append_accent_stripped(char32_t c, std::u32string& out);

}  // namespace mmkd::text

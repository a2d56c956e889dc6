#include <mmkd_text/basic_tokenizer.hpp>
#include <mmkd_text/unicode.hpp>
#include <mmkd_text/utf8.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace mt = mmkd::text;
using namespace std::string_view_literals;

namespace {

std::u32string accent_stripped(const std::u32string& text) {
  std::u32string out;
  for (char32_t c : text) mt::append_accent_stripped(mt::to_lower(c), out);
  return out;
}

TEST(Unicode, PunctuationIsBertsAsciiRangesAndCategoryP) {
  for (char32_t c : U"!/:@[`{~$^+<=>|"sv) EXPECT_TRUE(mt::is_punctuation(c)) << static_cast<int>(c);
  for (char32_t c : U"\u00a7\u00bf\u2014\u2026\u3001\u300c\uff01"sv) EXPECT_TRUE(mt::is_punctuation(c)) << static_cast<int>(c);
  for (char32_t c : U"aZ09 \u00e9\u00d7\u20ac\u4e2d"sv) EXPECT_FALSE(mt::is_punctuation(c)) << static_cast<int>(c);
}

TEST(Unicode, WhitespaceAndControlCharacters) {
  for (char32_t c : U" \t\n\r\u00a0\u2003\u3000"sv) EXPECT_TRUE(mt::is_whitespace(c)) << static_cast<int>(c);
  for (char32_t c : U"a\u200b\u2028"sv) EXPECT_FALSE(mt::is_whitespace(c)) << static_cast<int>(c);
  for (char32_t c : U"\x01\x1f\x7f\u0085\u00ad\u200b\u200e\ufeff\ue000\u0378\uffff\U000f0000\U0010ffff"sv)
    EXPECT_TRUE(mt::is_control(c)) << static_cast<int>(c);  // Cc, Cf, Co, Cn
  for (char32_t c : U"\t\n\r a\u00a0"sv) EXPECT_FALSE(mt::is_control(c)) << static_cast<int>(c);
}

TEST(Unicode, CjkIdeographsAreBertsBlocks) {
  for (char32_t c : U"\u4e00\u9fff\u3400\uf900\U00020000\U0002f800"sv) EXPECT_TRUE(mt::is_cjk_ideograph(c));
  for (char32_t c : U"a\u3042\u30a2\uac00\u3002"sv) EXPECT_FALSE(mt::is_cjk_ideograph(c));  // kana, Hangul, punctuation
}

TEST(Unicode, LowerCasesLikePython) {
  EXPECT_EQ(mt::to_lower(U'A'), U'a');
  EXPECT_EQ(mt::to_lower(U'a'), U'a');
  EXPECT_EQ(mt::to_lower(U'\u00c4'), U'\u00e4');  // Latin-1
  EXPECT_EQ(mt::to_lower(U'\u0178'), U'\u00ff');  // Y with diaeresis
  EXPECT_EQ(mt::to_lower(U'\u0141'), U'\u0142');  // L with stroke
  EXPECT_EQ(mt::to_lower(U'\u01c4'), U'\u01c6');  // DZ with caron
  EXPECT_EQ(mt::to_lower(U'\u0130'), U'i');       // dotted capital I
  EXPECT_EQ(mt::to_lower(U'\u03a3'), U'\u03c3');  // Greek sigma
  EXPECT_EQ(mt::to_lower(U'\u0414'), U'\u0434');  // Cyrillic De
  EXPECT_EQ(mt::to_lower(U'\u1e9e'), U'\u00df');  // capital sharp s
  EXPECT_EQ(mt::to_lower(U'\uff21'), U'\uff41');  // fullwidth A
  EXPECT_EQ(mt::to_lower(U'\u4e2d'), U'\u4e2d');
}

TEST(Unicode, StripsAccentsLikeNfdWithoutNonspacingMarks) {
  EXPECT_EQ(accent_stripped(U"H\u00e9llo W\u00f6rld \u00c5ngstr\u00f6m"), U"hello world angstrom");
  EXPECT_EQ(accent_stripped(U"\u01d6\u0105\u0219\u1ec7"), U"uase");       // two marks, ogonek, comma below, Vietnamese
  EXPECT_EQ(accent_stripped(U"\u0142\u00f8\u00e6\u00df"), U"\u0142\u00f8\u00e6\u00df");  // no canonical decomposition
  EXPECT_EQ(accent_stripped(U"\u0401\u03ac\u1f00"), U"\u0435\u03b1\u03b1");  // Cyrillic Io, Greek tonos, psili
  EXPECT_EQ(accent_stripped(U"e\u0301\u0308"), U"e");                        // combining marks alone
  EXPECT_EQ(accent_stripped(U"\ud55c"), U"\u1112\u1161\u11ab");              // Hangul syllable to jamo
  EXPECT_EQ(accent_stripped(U"\uac00"), U"\u1100\u1161");                    // no trailing consonant
  EXPECT_EQ(accent_stripped(U"\uf902\U0002f800"), U"\u8eca\u4e3d");        // CJK compatibility ideographs
}

TEST(Unicode, DecodesAndEncodesUtf8) {
  const std::string text = "a\u00e9\u4e2d\U0001f600";
  EXPECT_EQ(mt::decode_utf8(text), U"a\u00e9\u4e2d\U0001f600");
  EXPECT_EQ(mt::encode_utf8(mt::decode_utf8(text)), text);
  const char32_t bad = mt::replacement_character;
  EXPECT_EQ(mt::decode_utf8("a\xff" "b"), (std::u32string{U'a', bad, U'b'}));
  EXPECT_EQ(mt::decode_utf8("\xe4\xb8" "a"), (std::u32string{bad, U'a'}));  // truncated, resumes at 'a'
  EXPECT_EQ(mt::decode_utf8("\xc0\xaf"), (std::u32string{bad, bad}));       // overlong
  EXPECT_EQ(mt::decode_utf8("\xf4\x90\x80\x80"), (std::u32string{bad, bad, bad, bad}));  // above U+10FFFF
  EXPECT_EQ(mt::decode_utf8("\xf0\x9f\x98"), (std::u32string{bad}));       // truncated at the end
}

TEST(Unicode, BasicTokenizerWords) {
  EXPECT_EQ(mt::basic_tokenize(" Don't\tSTOP\u2014now!! \u4e2d\u56fdok "),
            (std::vector<std::u32string>{U"don", U"'", U"t", U"stop", U"\u2014", U"now", U"!", U"!", U"\u4e2d", U"\u56fd",
                                         U"ok"}));
  EXPECT_TRUE(mt::basic_tokenize(" \x01\xff ").empty());
}

}  // namespace

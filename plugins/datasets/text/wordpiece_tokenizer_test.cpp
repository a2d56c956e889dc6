#include "expect_error.hpp"
#include "mmkd_testing.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using mmkd::testing::TempDir;
using mmkd::text::EncodedText;
using mmkd::text::WordpieceTokenizer;
using Ids = std::vector<int64_t>;

namespace {

// ids:                      0      1      2      3      4      5      6    7    8  9
const std::string vocab_text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\ndon\n'\nt\n!\n"
                               // 10  11     12       13   14   15        16        17  18   19
                               "un\n##aff\n##able\nthe\ncat\n\u4e2d\n\u56fd\ncafe\na\n##a\n";

std::string write_vocab(const TempDir& dir, const std::string& text) {
  mmkd::testing::write_file(dir.file("vocab.txt"), text);
  return dir.file("vocab.txt");
}

struct Fixture {
  TempDir dir;
  WordpieceTokenizer tokenizer{write_vocab(dir, vocab_text)};
};

const WordpieceTokenizer& tokenizer() {
  static const Fixture fixture;
  return fixture.tokenizer;
}

TEST(WordpieceTokenizer, ReadsSpecialTokenIdsFromTheirLines) {
  EXPECT_EQ(tokenizer().pad_id(), 0);
  EXPECT_EQ(tokenizer().unk_id(), 1);
  EXPECT_EQ(tokenizer().cls_id(), 2);
  EXPECT_EQ(tokenizer().sep_id(), 3);
  EXPECT_EQ(tokenizer().vocab_size(), 20);
  EXPECT_EQ(tokenizer().token(11), "##aff");
}

TEST(WordpieceTokenizer, LowerCasesAndStripsAccents) {
  EXPECT_EQ(tokenizer().encode("H\u00e9llo W\u00f6rld"), (Ids{4, 5}));
  EXPECT_EQ(tokenizer().encode("CAF\u00c9 cafe\u0301 \u0106\u00c0f\u00ca"), (Ids{17, 17, 17}));  // precomposed, decomposed, Latin Extended-A
}

TEST(WordpieceTokenizer, SplitsPunctuation) {
  EXPECT_EQ(tokenizer().tokenize("don't!"), (std::vector<std::string>{"don", "'", "t", "!"}));
  EXPECT_EQ(tokenizer().encode("don't!"), (Ids{6, 7, 8, 9}));
  EXPECT_EQ(tokenizer().encode("hello\u2014world\u3002"), (Ids{4, 1, 5, 1}));  // em dash, ideographic full stop
  EXPECT_EQ(tokenizer().encode("hello$world"), (Ids{4, 1, 5}));              // ASCII 36 counts, as in BERT
}

TEST(WordpieceTokenizer, UnknownWordsBecomeOneUnk) {
  EXPECT_EQ(tokenizer().encode("hello zebra"), (Ids{4, 1}));
  EXPECT_EQ(tokenizer().encode("unaffablex"), (Ids{1}));  // no ##x: the whole word, not its prefix pieces
}

TEST(WordpieceTokenizer, SplitsWordsIntoLongestPieces) {
  EXPECT_EQ(tokenizer().tokenize("unaffable"), (std::vector<std::string>{"un", "##aff", "##able"}));
  EXPECT_EQ(tokenizer().encode("unaffable"), (Ids{10, 11, 12}));
}

TEST(WordpieceTokenizer, WordsLongerThan100CharactersAreUnk) {
  Ids hundred(100, 19);
  hundred[0] = 18;
  EXPECT_EQ(tokenizer().encode(std::string(100, 'a')), hundred);
  EXPECT_EQ(tokenizer().encode(std::string(101, 'a') + " hello"), (Ids{1, 4}));
}

TEST(WordpieceTokenizer, SplitsCjkIdeographs) {
  EXPECT_EQ(tokenizer().encode("\u4e2d\u56fd"), (Ids{15, 16}));
  EXPECT_EQ(tokenizer().encode("hello\u4e2d\u56fdworld"), (Ids{4, 15, 16, 5}));
}

TEST(WordpieceTokenizer, DropsControlCharactersAndNormalisesWhitespace) {
  EXPECT_EQ(tokenizer().encode("hel\x01lo wor\u200bld\x7f"), (Ids{4, 5}));  // Cc, Cf (zero-width space), DEL
  EXPECT_EQ(tokenizer().encode("\thello\u00a0\r\nworld\u3000the\u2028cat "), (Ids{4, 5, 13, 14}));
}

TEST(WordpieceTokenizer, DropsPrivateUseAndUnassignedCodePointsLikeControlCharacters) {
  // BertTokenizer drops every category C: Co (private use), Cn (unassigned, noncharacters) too.
  EXPECT_EQ(tokenizer().encode("hel\ue000lo wor\U000f0000ld \u0378the"), (Ids{4, 5, 13}));
  EXPECT_EQ(tokenizer().encode("cat\U0010ffff \uffffhello"), (Ids{14, 4}));  // the last code point, a noncharacter
}

TEST(WordpieceTokenizer, MapsCjkCompatibilityIdeographsToUnifiedOnes) {
  TempDir dir;
  WordpieceTokenizer cjk(write_vocab(dir, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n\u8eca\n\u4e3d\n"));
  EXPECT_EQ(cjk.encode("\uf902\U0002f800"), (Ids{4, 5}));  // their canonical decompositions, as NFD gives
}

TEST(WordpieceTokenizer, DropsInvalidUtf8) {
  EXPECT_EQ(tokenizer().encode("hel\xfflo wo\xc3rld"), (Ids{4, 5}));                 // stray bytes
  EXPECT_EQ(tokenizer().encode("he\xc0\xafllo w\xed\xa0\x80orld"), (Ids{4, 5}));      // overlong '/', surrogate
  EXPECT_EQ(tokenizer().encode("hello \xe4\xb8"), (Ids{4}));                          // truncated at the end
  EXPECT_EQ(tokenizer().encode("\xef\xbf\xbdhello"), (Ids{4}));                       // U+FFFD itself
}

TEST(WordpieceTokenizer, EncodesClsTextSepAndPadding) {
  EncodedText encoded = tokenizer().encode_single("Hello, world", 7);
  EXPECT_EQ(encoded.ids, (Ids{2, 4, 1, 5, 3, 0, 0}));
  EXPECT_EQ(encoded.mask, (Ids{1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(encoded.types, (Ids{0, 0, 0, 0, 0, 0, 0}));
}

TEST(WordpieceTokenizer, EmptyTextIsClsSepThenPadding) {
  EncodedText encoded = tokenizer().encode_single("", 5);
  EXPECT_EQ(encoded.ids, (Ids{2, 3, 0, 0, 0}));
  EXPECT_EQ(encoded.mask, (Ids{1, 1, 0, 0, 0}));
  EXPECT_EQ(tokenizer().encode_single(" \x01 ", 2).ids, (Ids{2, 3}));
}

TEST(WordpieceTokenizer, TruncatesToMaxLenKeepingSep) {
  EncodedText encoded = tokenizer().encode_single("unaffable hello world", 5);
  EXPECT_EQ(encoded.ids, (Ids{2, 10, 11, 12, 3}));
  EXPECT_EQ(encoded.mask, (Ids{1, 1, 1, 1, 1}));
  EXPECT_EQ(tokenizer().encode_single("hello world", 2).ids, (Ids{2, 3}));
}

TEST(WordpieceTokenizer, EncodesSentencePairsWithTokenTypes) {
  EncodedText encoded = tokenizer().encode_pair("hello world", "the cat", 9);
  EXPECT_EQ(encoded.ids, (Ids{2, 4, 5, 3, 13, 14, 3, 0, 0}));
  EXPECT_EQ(encoded.mask, (Ids{1, 1, 1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(encoded.types, (Ids{0, 0, 0, 0, 1, 1, 1, 0, 0}));
  EXPECT_EQ(tokenizer().encode_pair("", "", 4).ids, (Ids{2, 3, 3, 0}));
}

TEST(WordpieceTokenizer, TruncatesTheLongerSequenceOfAPairFirst) {
  // 4 + 2 pieces into 7 - 3 = 4: a loses two.
  EncodedText longer_first = tokenizer().encode_pair("hello world hello world", "the cat", 7);
  EXPECT_EQ(longer_first.ids, (Ids{2, 4, 5, 3, 13, 14, 3}));
  EXPECT_EQ(longer_first.types, (Ids{0, 0, 0, 0, 1, 1, 1}));
  // 3 + 3: on a tie b loses its last piece, then a (now longer) its last.
  EXPECT_EQ(tokenizer().encode_pair("hello world hello", "the cat the", 7).ids, (Ids{2, 4, 5, 3, 13, 14, 3}));
  // 1 + 5 into 3: only b is cut.
  EXPECT_EQ(tokenizer().encode_pair("hello", "unaffable the cat", 6).ids, (Ids{2, 4, 3, 10, 11, 3}));
}

TEST(WordpieceTokenizer, RejectsTooShortMaxLen) {
  mmkd::testing::expect_error_naming([] { tokenizer().encode_single("hello", 1); }, {"max_len", "at least 2"});
  mmkd::testing::expect_error_naming([] { tokenizer().encode_pair("a", "b", 2); }, {"max_len", "at least 3"});
  mmkd::testing::expect_error_naming([] { tokenizer().token(20); }, {"token id 20", "20 tokens"});
}

TEST(WordpieceTokenizer, ReadsWindowsLineEndings) {
  TempDir dir;
  WordpieceTokenizer crlf(write_vocab(dir, "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n"));
  EXPECT_EQ(crlf.encode("hello"), (Ids{4}));
}

TEST(WordpieceTokenizer, VocabErrorsNameTheFile) {
  TempDir dir;
  mmkd::testing::expect_error_naming([&] { WordpieceTokenizer{dir.file("missing.txt")}; },
                                     {dir.file("missing.txt"), "does not exist"});
  const std::string incomplete = write_vocab(dir, "[PAD]\n[UNK]\nhello\n");
  mmkd::testing::expect_error_naming([&] { WordpieceTokenizer{incomplete}; },
                                     {incomplete, "[CLS], [SEP]"});
}

}  // namespace

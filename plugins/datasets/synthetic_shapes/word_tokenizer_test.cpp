#include "shape_scene.hpp"
#include "word_tokenizer.hpp"

#include <gtest/gtest.h>
#include <mmkd/error.hpp>

#include <vector>

using mmkd::synthetic_shapes::caption_words;
using mmkd::synthetic_shapes::EncodedText;
using mmkd::synthetic_shapes::WordTokenizer;

namespace {

const WordTokenizer tokenizer({"a", "red", "circle", "in", "the", "top"});  // a=4, red=5, circle=6, ...

TEST(WordTokenizer, SpecialTokensComeFirst) {
  EXPECT_EQ(tokenizer.word(0), "[PAD]");
  EXPECT_EQ(tokenizer.word(1), "[CLS]");
  EXPECT_EQ(tokenizer.word(2), "[SEP]");
  EXPECT_EQ(tokenizer.word(3), "[UNK]");
  EXPECT_EQ(tokenizer.word(4), "a");
  EXPECT_EQ(tokenizer.vocab_size(), 10);
}

TEST(WordTokenizer, EncodesWithClsSepAndPadding) {
  EncodedText encoded = tokenizer.encode("a red circle", 7);
  EXPECT_EQ(encoded.ids, (std::vector<int64_t>{1, 4, 5, 6, 2, 0, 0}));
  EXPECT_EQ(encoded.mask, (std::vector<int64_t>{1, 1, 1, 1, 1, 0, 0}));
}

TEST(WordTokenizer, UnknownWordsBecomeUnk) {
  EncodedText encoded = tokenizer.encode("a green circle", 5);
  EXPECT_EQ(encoded.ids, (std::vector<int64_t>{1, 4, 3, 6, 2}));
  EXPECT_EQ(encoded.mask, (std::vector<int64_t>{1, 1, 1, 1, 1}));
}

TEST(WordTokenizer, LowerCasesAndSplitsOnAnyWhitespace) {
  EXPECT_EQ(tokenizer.encode("  A\tRed \n circle ", 5).ids, (std::vector<int64_t>{1, 4, 5, 6, 2}));
}

TEST(WordTokenizer, TruncatesWordsAndKeepsSep) {
  EncodedText encoded = tokenizer.encode("a red circle in the top", 4);
  EXPECT_EQ(encoded.ids, (std::vector<int64_t>{1, 4, 5, 2}));
  EXPECT_EQ(encoded.mask, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(tokenizer.encode("a red", 2).ids, (std::vector<int64_t>{1, 2}));
}

TEST(WordTokenizer, EmptyTextIsClsSep) {
  EncodedText encoded = tokenizer.encode("", 4);
  EXPECT_EQ(encoded.ids, (std::vector<int64_t>{1, 2, 0, 0}));
  EXPECT_EQ(encoded.mask, (std::vector<int64_t>{1, 1, 0, 0}));
}

TEST(WordTokenizer, RejectsBadInput) {
  EXPECT_THROW(tokenizer.encode("a", 1), mmkd::Error);
  EXPECT_THROW(tokenizer.word(10), mmkd::Error);
  EXPECT_THROW(tokenizer.word(-1), mmkd::Error);
  EXPECT_THROW(WordTokenizer({"a", "b", "a"}), mmkd::Error);
}

TEST(WordTokenizer, CaptionVocabularyFitsTheTextEncoderDefault) {
  WordTokenizer captions(caption_words());
  EXPECT_LE(captions.vocab_size(), 64);
  for (int64_t id = 4; id < captions.vocab_size(); ++id) EXPECT_EQ(captions.id(captions.word(id)), id);
}

}  // namespace

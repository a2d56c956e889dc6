#include "cmli_tokens.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

#include "expect_error.hpp"

namespace {

using mmkd::testing::expect_error_naming;

TEST(CmliTokens, CaptionWordsLeaveOutClsEosAndPadding) {
  // [CLS] w w [EOS] pad pad / [CLS] w [EOS] pad pad pad / [CLS] w w w w [EOS] (no padding)
  const torch::Tensor text_mask =
      torch::tensor({1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1}, torch::kLong).reshape({3, 6});
  const torch::Tensor expected =
      torch::tensor({0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0}, torch::kLong).reshape({3, 6});
  const torch::Tensor words = mmkd::cmli::caption_words(text_mask, "test_loss");
  EXPECT_EQ(words.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(words.to(torch::kLong), expected)) << words;
}

TEST(CmliTokens, CaptionWithoutWordsIsAnError) {
  const torch::Tensor text_mask = torch::tensor({1, 1, 1, 0, 1, 1, 0, 0}, torch::kLong).reshape({2, 4});
  expect_error_naming([&] { mmkd::cmli::caption_words(text_mask, "test_loss"); },
                      {"test_loss", "caption 1", "`text_mask`", "[2, 4]"});
}

TEST(CmliTokens, PatchesDropTheImageClsToken) {
  const torch::Tensor tokens = torch::arange(12).reshape({1, 4, 3});
  EXPECT_TRUE(torch::equal(mmkd::cmli::patches(tokens), torch::arange(3, 12).reshape({1, 3, 3})));
}

}  // namespace

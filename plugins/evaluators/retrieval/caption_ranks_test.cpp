#include "caption_ranks.hpp"
#include "recall_at_k.hpp"

#include <gtest/gtest.h>

namespace {

using mmkd::retrieval::caption_ranks;
using mmkd::retrieval::rank_of_best_correct;

// Equal to the masked computation on similarities with many ties (small integers) and images
// with 1 to 5 captions, over more rows than one chunk.
TEST(CaptionRanks, EqualRankOfBestCorrectIncludingTies) {
  torch::manual_seed(11);
  for (int64_t images : {7, 600}) {
    const torch::Tensor image_of_text = torch::cat({torch::arange(images), torch::randint(images, {3 * images})});
    const torch::Tensor similarity = torch::randint(-3, 4, {images, image_of_text.size(0)}).to(torch::kFloat);
    const torch::Tensor correct = image_of_text.unsqueeze(0) == torch::arange(images).unsqueeze(1);
    const auto ranks = caption_ranks(similarity, image_of_text);
    EXPECT_TRUE(torch::equal(ranks.image_to_text, rank_of_best_correct(similarity, correct))) << images;
    EXPECT_TRUE(torch::equal(ranks.text_to_image, rank_of_best_correct(similarity.t(), correct.t()))) << images;
  }
}

TEST(CaptionRanks, PerfectAndWorstCases) {
  const torch::Tensor image_of_text = torch::tensor({0, 0, 1, 2}, torch::kLong);
  const torch::Tensor perfect = torch::tensor({{1.0, 0.9, 0.0, 0.0}, {0.0, 0.0, 1.0, 0.0}, {0.0, 0.0, 0.0, 1.0}});
  const auto best = caption_ranks(perfect, image_of_text);
  EXPECT_EQ(best.image_to_text.sum().item<int64_t>(), 0);
  EXPECT_EQ(best.text_to_image.sum().item<int64_t>(), 0);
  const auto flat = caption_ranks(torch::ones({3, 4}), image_of_text);  // every tie counts against
  EXPECT_TRUE(torch::equal(flat.image_to_text, torch::tensor({2, 3, 3}, torch::kLong)));
  EXPECT_TRUE(torch::equal(flat.text_to_image, torch::full({4}, 2, torch::kLong)));
}

}  // namespace

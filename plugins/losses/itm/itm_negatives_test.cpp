#include "itm_negatives.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <vector>

namespace {

using mmkd::itm::hard_negatives;
using mmkd::itm::negative_generator;
using mmkd::itm::random_negatives;

void expect_never_the_pair(const mmkd::itm::Negatives& negatives) {
  const torch::Tensor rows = torch::arange(negatives.text_of_image.size(0), torch::kLong);
  EXPECT_FALSE((negatives.text_of_image == rows).any().item<bool>()) << negatives.text_of_image;
  EXPECT_FALSE((negatives.image_of_text == rows).any().item<bool>()) << negatives.image_of_text;
}

TEST(ItmNegatives, RandomNegativesAreReproducibleFromSeedRankAndDraw) {
  auto draw = [](uint64_t seed, int rank, int64_t step) {
    at::Generator generator = negative_generator(seed, rank, step);
    return random_negatives(16, generator);
  };
  const mmkd::itm::Negatives a = draw(7, 0, 3), b = draw(7, 0, 3);
  EXPECT_TRUE(torch::equal(a.text_of_image, b.text_of_image));
  EXPECT_TRUE(torch::equal(a.image_of_text, b.image_of_text));
  for (const mmkd::itm::Negatives& other : {draw(7, 0, 4), draw(8, 0, 3), draw(7, 1, 3)})
    EXPECT_FALSE(torch::equal(a.text_of_image, other.text_of_image));
  EXPECT_FALSE(torch::equal(a.text_of_image, a.image_of_text));
}

TEST(ItmNegatives, RandomNegativesAreUniformAmongTheOtherPairs) {
  const int64_t batch = 4, draws = 3000;
  at::Generator generator = negative_generator(0, 0, 0);
  torch::Tensor counts = torch::zeros({batch, batch}, torch::kDouble);
  for (int64_t d = 0; d < draws; ++d) {
    const mmkd::itm::Negatives negatives = random_negatives(batch, generator);
    expect_never_the_pair(negatives);
    for (int64_t i = 0; i < batch; ++i) counts[i][negatives.text_of_image[i].item<int64_t>()] += 1;
  }
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < batch; ++j)
      EXPECT_NEAR(counts[i][j].item<double>() / draws, i == j ? 0.0 : 1.0 / 3, 0.04) << i << "," << j;
}

TEST(ItmNegatives, HardNegativeIsTheDominantSimilarity) {
  // Image 0 resembles text 2 far more than text 1; text 1 resembles image 2 (column 1).
  torch::Tensor similarity = torch::zeros({3, 3});
  similarity[0][2] = 1.0;
  similarity[2][1] = 1.0;
  for (int64_t step = 0; step < 50; ++step) {
    at::Generator generator = negative_generator(0, 0, step);
    const mmkd::itm::Negatives negatives = hard_negatives(similarity, 0.01, generator);
    EXPECT_EQ(negatives.text_of_image[0].item<int64_t>(), 2);
    EXPECT_EQ(negatives.image_of_text[1].item<int64_t>(), 2);
  }
}

TEST(ItmNegatives, HardNegativesNeverPickThePairEvenWhenItDominates) {
  torch::Tensor similarity = torch::full({4, 4}, -1.0) + 2 * torch::eye(4);
  at::Generator generator = negative_generator(1, 0, 0);
  for (int64_t d = 0; d < 200; ++d) expect_never_the_pair(hard_negatives(similarity, 0.001, generator));
}

TEST(ItmNegatives, HardNegativesFollowTheSoftmaxOfTheSimilarities) {
  // Row 0 over texts 1 and 2: exp(0) : exp(log 3) = 1/4 : 3/4 once text 0 (the pair) is left out.
  torch::Tensor similarity = torch::zeros({3, 3}, torch::kDouble);
  similarity[0][0] = 9.0;
  similarity[0][2] = std::log(3.0);
  const int64_t draws = 3000;
  at::Generator generator = negative_generator(2, 0, 0);
  double text_2 = 0;
  for (int64_t d = 0; d < draws; ++d)
    text_2 += hard_negatives(similarity, 1.0, generator).text_of_image[0].item<int64_t>() == 2;
  EXPECT_NEAR(text_2 / draws, 0.75, 0.03);
}

}  // namespace

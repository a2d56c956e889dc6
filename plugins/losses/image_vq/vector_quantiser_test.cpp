#include "token_masking.hpp"
#include "vector_quantiser.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

namespace vq = mmkd::image_vq;

namespace {

torch::Tensor rows(std::initializer_list<double> values, int64_t columns) {
  return torch::tensor(std::vector<double>(values), torch::kDouble).reshape({-1, columns});
}

TEST(VectorQuantiser, ChoosesTheCodewordOfLargestCosine) {
  // For row 0, codeword 0 has the largest cosine, codeword 1 the largest dot product and
  // codeword 2 the smallest Euclidean distance; row 1 is closest in angle to codeword 3.
  const torch::Tensor codebook = rows({0.3, 0.0, 10.0, 6.0, 1.0, 0.8, 0.0, 1.0}, 2);
  const torch::Tensor projected = rows({1.0, 0.2, -1.0, 1.0}, 2);
  const vq::Quantisation q = vq::quantise(projected, codebook);
  EXPECT_EQ(q.indices[0].item<int64_t>(), 0);
  EXPECT_EQ(q.indices[1].item<int64_t>(), 3);
  EXPECT_TRUE(torch::equal(q.codewords, rows({0.3, 0.0, 0.0, 1.0}, 2)));
  EXPECT_TRUE(torch::allclose(q.quantised, q.codewords));
}

TEST(VectorQuantiser, StraightThroughCopiesTheGradientOfTheQuantisedVector) {
  torch::manual_seed(0);
  const torch::Tensor codebook = torch::randn({5, 4}, torch::kDouble);
  const torch::Tensor projected = torch::randn({3, 4}, torch::kDouble).requires_grad_();
  const torch::Tensor weights = torch::randn({3, 4}, torch::kDouble);
  vq::Quantisation q = vq::quantise(projected, codebook);
  q.quantised.retain_grad();
  (weights * q.quantised.sin()).sum().backward();
  // d/d quantised of sum(w * sin(quantised)) is w * cos(q_m): the value is the codeword's.
  EXPECT_TRUE(torch::allclose(q.quantised.grad(), weights * q.codewords.cos()));
  EXPECT_TRUE(torch::equal(projected.grad(), q.quantised.grad()));
  EXPECT_FALSE(q.codewords.requires_grad());
}

TEST(VectorQuantiser, CommitmentIsTheMeanSquaredErrorOfUnitVectors) {  // Eq. 88, ||.||_2^2 as Eq. 1
  const torch::Tensor projected = rows({3.0, 4.0, 0.0, 2.0}, 2).requires_grad_();
  const torch::Tensor codewords = rows({1.0, 0.0, 0.0, 5.0}, 2);
  // Row 0: (0.6, 0.8) vs (1, 0): (0.16 + 0.64) / 2 = 0.4; row 1: identical directions: 0.
  const torch::Tensor loss = vq::commitment_loss(projected, codewords);
  EXPECT_NEAR(loss.item<double>(), 0.2, 1e-12);
  EXPECT_TRUE(torch::allclose(vq::codeword_cosine(projected, codewords), rows({0.6, 1.0}, 1).reshape({2})));
  loss.backward();
  // Row 0 (weight 1/2 for the batch, 1/2 for the dimensions): 2 (I - u u^T)(u - c) / |z| / 4 with
  // u = (0.6, 0.8), c = (1, 0), |z| = 5.
  EXPECT_TRUE(torch::allclose(projected.grad()[0], torch::tensor({-0.064, 0.048}, torch::kDouble), 0, 1e-12));
  EXPECT_NEAR(projected.grad()[1].abs().sum().item<double>(), 0.0, 1e-12);
}

TEST(VectorQuantiser, EmaUpdateFollowsEquation90AndKeepsUnusedCodewords) {
  torch::Tensor codebook = rows({1.0, 0.0, 0.0, 1.0, -1.0, -1.0}, 2);
  const torch::Tensor projected = rows({2.0, 0.0, 4.0, 2.0, 0.0, 3.0}, 2);
  const vq::Quantisation q = vq::quantise(projected, codebook);
  ASSERT_TRUE(torch::equal(q.indices, torch::tensor({0, 0, 1}, torch::kLong)));
  const vq::CodewordSums assigned = vq::codeword_sums(projected, q.indices, 3);
  EXPECT_TRUE(torch::equal(assigned.counts, torch::tensor({2.0, 1.0, 0.0}, torch::kDouble)));
  vq::ema_update(codebook, assigned, 0.9);
  // q_0 = 0.9 (1, 0) + 0.1 mean((2, 0), (4, 2)) = (1.2, 0.1); q_1 = 0.9 (0, 1) + 0.1 (0, 3); q_2 unused.
  EXPECT_TRUE(torch::allclose(codebook, rows({1.2, 0.1, 0.0, 1.2, -1.0, -1.0}, 2), 0, 1e-12));
}

TEST(VectorQuantiser, PerplexityOfAssignmentFrequencies) {
  EXPECT_NEAR(vq::assignment_perplexity(torch::tensor({2, 2, 0, 0})).item<double>(), 2.0, 1e-6);
  EXPECT_NEAR(vq::assignment_perplexity(torch::tensor({4, 0})).item<double>(), 1.0, 1e-6);
  const double p = 1.0 / 3;
  EXPECT_NEAR(vq::assignment_perplexity(torch::tensor({1, 2})).item<double>(),
              std::exp(-(p * std::log(p) + 2 * p * std::log(2 * p))), 1e-6);
}

TEST(TokenMasking, FractionIsCloseToMaskProbAndReproducible) {
  const uint64_t seed = vq::mask_seed(7, 0, 12);
  const torch::Tensor masked = vq::sample_token_mask(64, 1000, 0.9, seed);
  EXPECT_EQ(masked.scalar_type(), torch::kBool);
  EXPECT_NEAR(masked.to(torch::kDouble).mean().item<double>(), 0.9, 0.01);
  EXPECT_NEAR(vq::sample_token_mask(64, 1000, 0.25, seed).to(torch::kDouble).mean().item<double>(), 0.25, 0.01);
  EXPECT_TRUE(torch::equal(masked, vq::sample_token_mask(64, 1000, 0.9, vq::mask_seed(7, 0, 12))));
  EXPECT_FALSE(torch::equal(masked, vq::sample_token_mask(64, 1000, 0.9, vq::mask_seed(7, 0, 13))));
  EXPECT_NE(seed, vq::mask_seed(7, 1, 12));
  EXPECT_NE(seed, vq::mask_seed(8, 0, 12));
}

TEST(TokenMasking, MaskedPositionsTakeTheMaskToken) {
  const torch::Tensor tokens = torch::arange(12, torch::kDouble).reshape({2, 2, 3});
  const torch::Tensor mask_token = torch::tensor({-1.0, -2.0, -3.0}, torch::kDouble).requires_grad_();
  const torch::Tensor masked = torch::tensor({1, 0, 1, 1}, torch::kBool).reshape({2, 2});
  const torch::Tensor out = vq::mask_tokens(tokens, masked, mask_token);
  EXPECT_TRUE(torch::equal(out[0][0], mask_token.detach()));
  EXPECT_TRUE(torch::equal(out[0][1], tokens[0][1]));
  EXPECT_TRUE(torch::equal(out[1], mask_token.detach().expand({2, 3})));
  out.sum().backward();
  EXPECT_TRUE(torch::equal(mask_token.grad(), torch::full({3}, 3.0, torch::kDouble)));
}

}  // namespace

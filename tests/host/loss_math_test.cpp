#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <cmath>

namespace {

TEST(LossMath, LowPrecisionIsComputedInFloat32) {
  torch::Tensor logits = torch::randn({4, 3}).to(torch::kBFloat16);
  EXPECT_EQ(mmkd::log_softmax_fp32(logits).scalar_type(), torch::kFloat);
  EXPECT_EQ(mmkd::softmax_fp32(logits.to(torch::kHalf)).scalar_type(), torch::kFloat);
  EXPECT_EQ(mmkd::cross_entropy_fp32(logits, torch::zeros({4}, torch::kLong)).scalar_type(), torch::kFloat);
  EXPECT_EQ(mmkd::l2_normalize(logits).scalar_type(), torch::kFloat);
  EXPECT_EQ(mmkd::at_least_fp32(torch::ones({1}, torch::kDouble)).scalar_type(), torch::kDouble);
}

TEST(LossMath, CrossEntropyOnAHandCase) {
  // Row 0: logits (0, log 3) -> p(target 1) = 3/4. Row 1: (0, 0) -> p(target 0) = 1/2.
  torch::Tensor logits = torch::tensor({0.0, std::log(3.0), 0.0, 0.0}, torch::kDouble).reshape({2, 2});
  torch::Tensor targets = torch::tensor({1, 0}, torch::kLong);
  const double expected = -(std::log(0.75) + std::log(0.5)) / 2;
  EXPECT_NEAR(mmkd::cross_entropy_fp32(logits, targets).item<double>(), expected, 1e-12);
  torch::Tensor one_hot = torch::tensor({0.0, 1.0, 1.0, 0.0}, torch::kDouble).reshape({2, 2});
  EXPECT_NEAR(mmkd::soft_cross_entropy_fp32(logits, one_hot).item<double>(), expected, 1e-12);
  EXPECT_NEAR(mmkd::top1_accuracy(logits, torch::tensor({0, 0}, torch::kLong)).item<double>(), 0.5, 1e-7);
}

TEST(LossMath, CosineSimilarityMatrix) {
  torch::Tensor a = torch::tensor({3.0, 4.0, 1.0, 0.0}).reshape({2, 2});
  torch::Tensor b = torch::tensor({0.0, 2.0}).reshape({1, 2});
  EXPECT_TRUE(torch::allclose(mmkd::cosine_similarity_matrix(a, b), torch::tensor({0.8, 0.0}).reshape({2, 1})));
  EXPECT_TRUE(torch::equal(mmkd::arange_targets(3, a, 2), torch::tensor({2, 3, 4}, torch::kLong)));
}

}  // namespace

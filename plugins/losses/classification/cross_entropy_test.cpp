#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Loss> make_loss(const std::string& options = "{}") {
  return mmkd::testing::make<mmkd::Kind::Loss>("cross_entropy", options);
}

// -sum_c q[b][c] log softmax(logits[b])_c averaged over b, by loops in double.
double loop_cross_entropy(const torch::Tensor& logits, const torch::Tensor& q) {
  const int64_t batch = logits.size(0), classes = logits.size(1);
  double total = 0;
  for (int64_t b = 0; b < batch; ++b) {
    double normaliser = 0;
    for (int64_t c = 0; c < classes; ++c) normaliser += std::exp(logits[b][c].item<double>());
    for (int64_t c = 0; c < classes; ++c)
      total -= q[b][c].item<double>() * (logits[b][c].item<double>() - std::log(normaliser)) / batch;
  }
  return total;
}

// 1 - s + s / C on the label, s / C elsewhere.
torch::Tensor smoothed(const torch::Tensor& labels, int64_t classes, double s) {
  torch::Tensor q = torch::full({labels.size(0), classes}, s / classes, torch::kDouble);
  for (int64_t b = 0; b < labels.size(0); ++b) q[b][labels[b].item<int64_t>()] = 1 - s + s / classes;
  return q;
}

TEST(CrossEntropy, HandCase) {
  // Two equal logits: -log(1/2); the label's logit ln 3 above the other's: -log(3/4).
  const torch::Tensor logits = torch::tensor({0.0, 0.0, std::log(3.0), 0.0}, torch::kDouble).view({2, 2});
  const mmkd::LossOutput out = make_loss()->compute({{"logits", logits}, {"target", torch::tensor({1, 0})}});
  EXPECT_NEAR(out.loss.item<double>(), (std::log(2.0) - std::log(0.75)) / 2, 1e-12);
  EXPECT_NEAR(out.metrics.at("accuracy").item<double>(), 0.5, 1e-7);  // the tie resolves to class 0
}

TEST(CrossEntropy, ClassIndicesWithAndWithoutSmoothingMatchLoops) {
  torch::manual_seed(0);
  const torch::Tensor logits = torch::randn({4, 5}, torch::kDouble) * 2, labels = torch::tensor({3, 0, 4, 1});
  for (double s : {0.0, 0.1, 0.5}) {
    const mmkd::LossOutput out =
        make_loss("{label_smoothing: " + std::to_string(s) + "}")->compute({{"logits", logits}, {"target", labels}});
    EXPECT_NEAR(out.loss.item<double>(), loop_cross_entropy(logits, smoothed(labels, 5, s)), 1e-10) << "s = " << s;
    EXPECT_NEAR(out.metrics.at("accuracy").item<double>(),
                (logits.argmax(1) == labels).to(torch::kDouble).mean().item<double>(), 1e-7);
  }
}

TEST(CrossEntropy, SoftTargetsAreUsedAsGiven) {
  torch::manual_seed(1);
  const torch::Tensor logits = torch::randn({3, 4}, torch::kDouble);
  const torch::Tensor soft = torch::softmax(torch::randn({3, 4}, torch::kDouble), 1);
  const double expected = loop_cross_entropy(logits, soft);
  for (const std::string options : {"{}", "{label_smoothing: 0.3}"}) {
    const mmkd::LossOutput out = make_loss(options)->compute({{"logits", logits}, {"target", soft}});
    EXPECT_NEAR(out.loss.item<double>(), expected, 1e-10) << options;
  }
}

TEST(CrossEntropy, SoftTargetAccuracyIsAgainstTheirLargestEntry) {
  const torch::Tensor logits = torch::tensor({2.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f}).view({2, 3});
  const torch::Tensor soft = torch::tensor({0.7f, 0.3f, 0.0f, 0.6f, 0.1f, 0.3f}).view({2, 3});
  const mmkd::LossOutput out = make_loss()->compute({{"logits", logits}, {"target", soft}});
  EXPECT_NEAR(out.metrics.at("accuracy").item<double>(), 0.5, 1e-7);
  EXPECT_FALSE(out.metrics.at("accuracy").requires_grad());
}

TEST(CrossEntropy, ComputesInFloat32ForBFloat16Logits) {
  torch::manual_seed(2);
  const torch::Tensor logits = torch::randn({4, 6}).to(torch::kBFloat16), labels = torch::tensor({0, 5, 2, 2});
  const mmkd::LossOutput out = make_loss("{label_smoothing: 0.1}")->compute({{"logits", logits}, {"target", labels}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(out.loss.item<double>(), loop_cross_entropy(logits.to(torch::kDouble), smoothed(labels, 6, 0.1)), 1e-5);
}

TEST(CrossEntropy, GradientsMatchFiniteDifferences) {
  torch::manual_seed(3);
  torch::Tensor logits = torch::randn({3, 4}, torch::kDouble).requires_grad_(true);
  const torch::Tensor labels = torch::tensor({2, 0, 3});
  const torch::Tensor soft = torch::softmax(torch::randn({3, 4}, torch::kDouble), 1);
  auto smoothing = make_loss("{label_smoothing: 0.2}");
  mmkd::testing::expect_gradients_match_finite_differences(
      [&] { return smoothing->compute({{"logits", logits}, {"target", labels}}).loss; }, {{"logits", logits}});
  mmkd::testing::expect_gradients_match_finite_differences(
      [&] { return smoothing->compute({{"logits", logits}, {"target", soft}}).loss; }, {{"logits", logits}});
}

TEST(CrossEntropy, ErrorsNameThePortAndExpectedShape) {
  auto loss = make_loss();
  const torch::Tensor logits = torch::randn({2, 3});
  expect_error_naming([&] { loss->compute({{"logits", torch::randn({2, 3, 1})}, {"target", torch::tensor({0, 1})}}); },
                      {"`logits`", "[B, C]", "[2, 3, 1]"});
  expect_error_naming([&] { loss->compute({{"logits", logits}, {"target", torch::tensor({0, 1, 2})}}); },
                      {"`target`", "[B]", "B = 2", "[3]"});
  expect_error_naming([&] { loss->compute({{"logits", logits}, {"target", torch::tensor({0, 3})}}); },
                      {"`target`", "[0, 3)", "[0, 3]"});
  expect_error_naming([&] { loss->compute({{"logits", logits}, {"target", torch::rand({2, 4})}}); },
                      {"`target`", "[B, C]", "[2, 3]", "[2, 4]"});
  expect_error_naming([&] { loss->compute({{"logits", logits}}); }, {"target"});
  expect_error_naming([&] { make_loss("{label_smoothing: 1.5}"); }, {"label_smoothing"});
}

}  // namespace

#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Loss> make_regression_mse() { return mmkd::testing::make<mmkd::Kind::Loss>("regression_mse", "{}"); }

TEST(RegressionMse, HandCaseForBothPredictionShapes) {
  const torch::Tensor target = torch::tensor({1.0f, 0.0f, 5.0f});  // squared errors 0, 4, 4
  for (const torch::Tensor& prediction : {torch::tensor({1.0f, 2.0f, 3.0f}), torch::tensor({1.0f, 2.0f, 3.0f}).view({3, 1})}) {
    const mmkd::LossOutput out = make_regression_mse()->compute({{"prediction", prediction}, {"target", target}});
    EXPECT_NEAR(out.loss.item<double>(), 8.0 / 3, 1e-6);
    EXPECT_NEAR(out.metrics.at("rmse").item<double>(), std::sqrt(8.0 / 3), 1e-6);
    EXPECT_FALSE(out.metrics.at("rmse").requires_grad());
  }
}

TEST(RegressionMse, ComputesInFloat32ForBFloat16Predictions) {
  const torch::Tensor prediction = torch::tensor({0.5f, 4.0f}).to(torch::kBFloat16).view({2, 1});
  const mmkd::LossOutput out = make_regression_mse()->compute({{"prediction", prediction}, {"target", torch::tensor({0.0, 3.0})}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(out.loss.item<double>(), (0.25 + 1.0) / 2, 1e-6);
}

TEST(RegressionMse, GradientsMatchFiniteDifferences) {
  torch::manual_seed(0);
  torch::Tensor prediction = torch::randn({4, 1}, torch::kDouble).requires_grad_(true);
  const torch::Tensor target = torch::randn({4}, torch::kDouble);
  auto loss = make_regression_mse();
  mmkd::testing::expect_gradients_match_finite_differences(
      [&] { return loss->compute({{"prediction", prediction}, {"target", target}}).loss; }, {{"prediction", prediction}});
}

TEST(RegressionMse, ErrorsNameThePortAndExpectedShape) {
  auto loss = make_regression_mse();
  expect_error_naming([&] { loss->compute({{"prediction", torch::randn({3, 2})}, {"target", torch::randn({3})}}); },
                      {"`prediction`", "[B] or [B, 1]", "[3, 2]"});
  expect_error_naming([&] { loss->compute({{"prediction", torch::randn({3, 1})}, {"target", torch::randn({3, 1})}}); },
                      {"`target`", "[B]", "B = 3", "[3, 1]"});
}

}  // namespace

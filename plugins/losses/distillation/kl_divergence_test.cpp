#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Loss> make_loss(const std::string& options = "{}") {
  return mmkd::testing::make<mmkd::Kind::Loss>("kl_divergence", options);
}

// Eq. 2, 8-9 as loops in double: sum_j p_j log(p_j / q_j) per row, averaged over rows.
double loop_kl(const torch::Tensor& teacher, const torch::Tensor& student, double temperature) {
  const int64_t batch = teacher.size(0), classes = teacher.size(1);
  auto softmax_row = [&](const torch::Tensor& logits, int64_t i) {
    std::vector<double> p(classes);
    double sum = 0;
    for (int64_t j = 0; j < classes; ++j) sum += p[j] = std::exp(logits[i][j].item<double>() / temperature);
    for (double& e : p) e /= sum;
    return p;
  };
  double total = 0;
  for (int64_t i = 0; i < batch; ++i) {
    const std::vector<double> p = softmax_row(teacher, i), q = softmax_row(student, i);
    for (int64_t j = 0; j < classes; ++j) total += p[j] * std::log(p[j] / q[j]);
  }
  return total / batch;
}

TEST(KlDivergence, HandWorkedValue) {
  // Row 0: p = (1/2, 1/2), q = (3/4, 1/4): KL = 1/2 log(2/3) + 1/2 log 2 = 1/2 log(4/3). Row 1: p = q.
  torch::Tensor teacher = torch::tensor({0.0, 0.0, 1.0, 2.0}).reshape({2, 2});
  torch::Tensor image = torch::tensor({std::log(3.0), 0.0, 1.0, 2.0}).reshape({2, 2});
  mmkd::LossOutput out = make_loss()->compute({{"teacher", teacher}, {"image", image}});
  EXPECT_NEAR(out.loss.item<double>(), 0.25 * std::log(4.0 / 3.0), 1e-6);
  EXPECT_NEAR(out.metrics.at("image_kl").item<double>(), 0.25 * std::log(4.0 / 3.0), 1e-6);
  EXPECT_EQ(out.metrics.count("text_kl"), 0u);
  EXPECT_EQ(out.metrics.count("text_agreement"), 0u);

  // Eq. 46: a caption that matches the teacher exactly halves the loss.
  out = make_loss()->compute({{"teacher", teacher}, {"image", image}, {"text", teacher.clone()}});
  EXPECT_NEAR(out.loss.item<double>(), 0.125 * std::log(4.0 / 3.0), 1e-6);
  EXPECT_NEAR(out.metrics.at("text_kl").item<double>(), 0.0, 1e-7);
}

TEST(KlDivergence, MatchesLoopImplementationWithTemperature) {
  torch::manual_seed(0);
  torch::Tensor teacher = 3 * torch::randn({5, 7}), image = 3 * torch::randn({5, 7}), text = 3 * torch::randn({5, 7});
  const double image_kl = loop_kl(teacher, image, 2.0), text_kl = loop_kl(teacher, text, 2.0);
  mmkd::LossOutput out = make_loss("{temperature: 2}")->compute({{"teacher", teacher}, {"image", image}, {"text", text}});
  EXPECT_NEAR(out.loss.item<double>(), (image_kl + text_kl) / 2, 1e-5);
  EXPECT_NEAR(out.metrics.at("image_kl").item<double>(), image_kl, 1e-5);
  EXPECT_NEAR(out.metrics.at("text_kl").item<double>(), text_kl, 1e-5);

  out = make_loss("{temperature: 2, scale_by_temperature_squared: true}")
            ->compute({{"teacher", teacher}, {"image", image}, {"text", text}});
  EXPECT_NEAR(out.loss.item<double>(), 4 * (image_kl + text_kl) / 2, 1e-4);
  EXPECT_NEAR(out.metrics.at("image_kl").item<double>(), image_kl, 1e-5);
  EXPECT_NE(loop_kl(teacher, image, 1.0), image_kl);
}

TEST(KlDivergence, AgreementCountsMatchingArgmax) {
  torch::Tensor teacher = torch::tensor({1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0}).reshape({4, 3});
  torch::Tensor image = torch::tensor({5.0, 0.0, 0.0, 0.0, 2.0, 1.0, 3.0, 0.0, 1.0, 2.0, 1.0, 0.0}).reshape({4, 3});
  torch::Tensor text = torch::tensor({0.0, 0.0, 1.0}).repeat({4, 1});
  mmkd::LossOutput out = make_loss()->compute({{"teacher", teacher}, {"image", image}, {"text", text}});
  EXPECT_NEAR(out.metrics.at("image_agreement").item<double>(), 0.75, 1e-7);
  EXPECT_NEAR(out.metrics.at("text_agreement").item<double>(), 0.25, 1e-7);
  for (const auto& [name, value] : out.metrics) {
    EXPECT_EQ(value.dim(), 0) << name;
    EXPECT_FALSE(value.requires_grad()) << name;
  }
}

TEST(KlDivergence, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(1);
  auto loss = make_loss("{temperature: 1.5, scale_by_temperature_squared: true}");
  torch::Tensor teacher = torch::randn({3, 4}, torch::kDouble).requires_grad_();
  torch::Tensor image = torch::randn({3, 4}, torch::kDouble).requires_grad_();
  torch::Tensor text = torch::randn({3, 4}, torch::kDouble).requires_grad_();
  auto f = [&] { return loss->compute({{"teacher", teacher}, {"image", image}, {"text", text}}).loss; };
  EXPECT_EQ(f().scalar_type(), torch::kDouble);
  mmkd::testing::expect_gradients_match_finite_differences(f, {{"image", image}, {"text", text}});
  f().backward();
  EXPECT_FALSE(teacher.grad().defined());
}

TEST(KlDivergence, Bfloat16InputsGiveFloat32Loss) {
  torch::manual_seed(2);
  torch::Tensor teacher = torch::randn({4, 6}).to(torch::kBFloat16), image = torch::randn({4, 6}).to(torch::kBFloat16);
  mmkd::LossOutput out = make_loss("{temperature: 0.3}")->compute({{"teacher", teacher}, {"image", image}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(out.loss.item<double>(), loop_kl(teacher.to(torch::kDouble), image.to(torch::kDouble), 0.3), 1e-5);
}

TEST(KlDivergence, ShapeErrorsNamePortsAndShapes) {
  auto loss = make_loss();
  torch::Tensor teacher = torch::randn({4, 10});
  expect_error_naming([&] { loss->compute({{"teacher", teacher}, {"image", torch::randn({4, 9})}}); },
                      {"kl_divergence", "`image`", "`teacher`", "[4, 9]", "[4, 10]"});
  expect_error_naming(
      [&] { loss->compute({{"teacher", teacher}, {"image", teacher}, {"text", torch::randn({3, 10})}}); },
      {"`text`", "[3, 10]", "[4, 10]"});
  expect_error_naming([&] { loss->compute({{"teacher", torch::randn({4, 10, 2})}, {"image", teacher}}); },
                      {"`teacher`", "[4, 10, 2]"});
  expect_error_naming([&] { loss->compute({{"image", teacher}}); }, {"teacher"});
}

TEST(KlDivergence, RejectsNonPositiveTemperature) {
  EXPECT_THROW(make_loss("{temperature: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("{temperature: -1}"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("{temprature: 2}"), mmkd::ConfigError);
}

}  // namespace

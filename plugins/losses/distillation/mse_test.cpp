#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <string>
#include <vector>

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Loss> make_mse() { return mmkd::testing::make<mmkd::Kind::Loss>("mse", "{}"); }

// Eq. 1 as loops in double over [B, T, D]: (1/D) sum_d per token, averaged over tokens and samples.
double loop_mse(const torch::Tensor& teacher, const torch::Tensor& student) {
  const int64_t batch = teacher.size(0), tokens = teacher.size(1), dim = teacher.size(2);
  double total = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < tokens; ++t) {
      double token = 0;
      for (int64_t d = 0; d < dim; ++d) {
        const double difference = teacher[b][t][d].item<double>() - student[b][t][d].item<double>();
        token += difference * difference / dim;
      }
      total += token / (batch * tokens);
    }
  return total;
}

TEST(Mse, HandWorkedValueOnClsVectors) {
  torch::Tensor teacher = torch::tensor({1.0, 2.0, 3.0, 4.0}).reshape({2, 2});
  torch::Tensor image = torch::tensor({1.0, 2.0, 3.0, 6.0}).reshape({2, 2});  // squared errors 0, 0, 0, 4
  torch::Tensor text = torch::tensor({2.0, 2.0, 3.0, 4.0}).reshape({2, 2});   // squared errors 1, 0, 0, 0
  mmkd::LossOutput out = make_mse()->compute({{"teacher", teacher}, {"image", image}});
  EXPECT_NEAR(out.loss.item<double>(), 1.0, 1e-7);
  EXPECT_EQ(out.metrics.count("text_mse"), 0u);

  out = make_mse()->compute({{"teacher", teacher}, {"image", image}, {"text", text}});
  EXPECT_NEAR(out.metrics.at("image_mse").item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(out.metrics.at("text_mse").item<double>(), 0.25, 1e-7);
  EXPECT_NEAR(out.loss.item<double>(), 0.625, 1e-7);  // Eq. 57
  EXPECT_FALSE(out.metrics.at("image_mse").requires_grad());
}

TEST(Mse, MatchesLoopImplementationOnSequences) {
  torch::manual_seed(0);
  torch::Tensor teacher = torch::randn({3, 4, 5}), image = torch::randn({3, 4, 5}), text = torch::randn({3, 4, 5});
  mmkd::LossOutput out = make_mse()->compute({{"teacher", teacher}, {"image", image}, {"text", text}});
  const double image_mse = loop_mse(teacher, image), text_mse = loop_mse(teacher, text);
  EXPECT_NEAR(out.metrics.at("image_mse").item<double>(), image_mse, 1e-5);
  EXPECT_NEAR(out.metrics.at("text_mse").item<double>(), text_mse, 1e-5);
  EXPECT_NEAR(out.loss.item<double>(), (image_mse + text_mse) / 2, 1e-5);
}

TEST(Mse, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(1);
  auto loss = make_mse();
  torch::Tensor teacher = torch::randn({2, 3, 4}, torch::kDouble).requires_grad_();
  torch::Tensor image = torch::randn({2, 3, 4}, torch::kDouble).requires_grad_();
  torch::Tensor text = torch::randn({2, 3, 4}, torch::kDouble).requires_grad_();
  auto f = [&] { return loss->compute({{"teacher", teacher}, {"image", image}, {"text", text}}).loss; };
  EXPECT_EQ(f().scalar_type(), torch::kDouble);
  mmkd::testing::expect_gradients_match_finite_differences(f, {{"image", image}, {"text", text}});
  f().backward();
  EXPECT_FALSE(teacher.grad().defined());
}

TEST(Mse, Bfloat16InputsGiveFloat32Loss) {
  torch::manual_seed(2);
  torch::Tensor teacher = torch::randn({2, 3, 4}).to(torch::kBFloat16), image = torch::randn({2, 3, 4}).to(torch::kBFloat16);
  mmkd::LossOutput out = make_mse()->compute({{"teacher", teacher}, {"image", image}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(out.loss.item<double>(), loop_mse(teacher.to(torch::kDouble), image.to(torch::kDouble)), 1e-5);
}

TEST(Mse, ShapeErrorsNamePortsAndShapes) {
  auto loss = make_mse();
  torch::Tensor teacher = torch::randn({2, 4});
  expect_error_naming([&] { loss->compute({{"teacher", teacher}, {"image", torch::randn({2, 5})}}); },
                      {"mse", "`image`", "`teacher`", "[2, 5]", "[2, 4]"});
  expect_error_naming(
      [&] { loss->compute({{"teacher", teacher}, {"image", teacher}, {"text", torch::randn({2, 3, 4})}}); },
      {"`text`", "[2, 3, 4]", "[2, 4]"});
  expect_error_naming([&] { loss->compute({{"teacher", torch::randn({1, 2, 3, 4})}, {"image", teacher}}); },
                      {"`teacher`", "[1, 2, 3, 4]"});
}

TEST(Mse, RejectsUnknownOptions) {
  EXPECT_THROW(mmkd::testing::make<mmkd::Kind::Loss>("mse", "{reduction: sum}"), mmkd::ConfigError);
}

}  // namespace

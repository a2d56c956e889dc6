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

std::shared_ptr<mmkd::Loss> make_data2vec_regression(const std::string& options = "{}") {
  return mmkd::testing::make<mmkd::Kind::Loss>("data2vec_regression", options);
}

using Sequence = std::vector<std::vector<double>>;  // [T][D]

// Eq. 36-40 as loops in double for sample b of layers [L, B, T, D]; layer_eps 0: no layer norm.
Sequence loop_representation(const torch::Tensor& layers, int64_t b, double instance_eps, double layer_eps) {
  const int64_t count = layers.size(0), tokens = layers.size(2), dim = layers.size(3);
  Sequence averaged(tokens, std::vector<double>(dim, 0.0));
  for (int64_t l = 0; l < count; ++l)
    for (int64_t d = 0; d < dim; ++d) {
      double mean = 0, variance = 0;
      for (int64_t t = 0; t < tokens; ++t) mean += layers[l][b][t][d].item<double>() / tokens;
      for (int64_t t = 0; t < tokens; ++t) variance += std::pow(layers[l][b][t][d].item<double>() - mean, 2) / tokens;
      for (int64_t t = 0; t < tokens; ++t)
        averaged[t][d] += (layers[l][b][t][d].item<double>() - mean) / std::sqrt(variance + instance_eps) / count;
    }
  for (std::vector<double>& token : averaged) {
    if (layer_eps == 0) break;
    double mean = 0, variance = 0;
    for (double x : token) mean += x / dim;
    for (double x : token) variance += (x - mean) * (x - mean) / dim;
    for (double& x : token) x = (x - mean) / std::sqrt(variance + layer_eps);
  }
  return averaged;
}

struct LoopResult {
  double loss = 0, cosine = 0;
};

// Eq. 41 averaged over the batch, and the mean token cosine.
LoopResult loop_regression(const torch::Tensor& teacher, const torch::Tensor& student, double instance_eps,
                           double layer_eps) {
  const int64_t batch = teacher.size(1), tokens = teacher.size(2), dim = teacher.size(3);
  LoopResult result;
  for (int64_t b = 0; b < batch; ++b) {
    const Sequence y = loop_representation(teacher, b, instance_eps, layer_eps);
    const Sequence y_hat = loop_representation(student, b, instance_eps, layer_eps);
    for (int64_t t = 0; t < tokens; ++t) {
      double squared = 0, dot = 0, norm_y = 0, norm_y_hat = 0;
      for (int64_t d = 0; d < dim; ++d) {
        squared += std::pow(y[t][d] - y_hat[t][d], 2) / dim;
        dot += y[t][d] * y_hat[t][d], norm_y += y[t][d] * y[t][d], norm_y_hat += y_hat[t][d] * y_hat[t][d];
      }
      result.loss += squared / (batch * tokens);
      result.cosine += dot / std::sqrt(norm_y * norm_y_hat) / (batch * tokens);
    }
  }
  return result;
}

TEST(Data2VecRegression, HandWorkedValue) {
  // T = 2 tokens, D = 2: instance norm makes every dimension -1/+1. The teacher's one layer
  // gives Y = [[-1, 1], [1, -1]]; the student's two layers give [[-1, 1], [1, -1]] and
  // [[1, -1], [-1, 1]], whose average is 0, so Y_hat = 0 and the loss is mean(Y^2) = 1.
  torch::Tensor teacher = torch::tensor({0.0, 4.0, 2.0, 0.0}).reshape({1, 2, 2});
  torch::Tensor student = torch::tensor({0.0, 4.0, 2.0, 0.0, 2.0, 0.0, 0.0, 4.0}).reshape({2, 1, 2, 2});
  auto loss = make_data2vec_regression("{instance_norm_eps: 1.0e-12, layer_norm_eps: 1.0e-12}");
  EXPECT_NEAR(loss->compute({{"teacher", teacher}, {"student", student}}).loss.item<double>(), 1.0, 1e-6);

  // One student layer equal to the teacher's: Y_hat = Y, loss 0, cosine 1.
  mmkd::LossOutput out = loss->compute({{"teacher", teacher}, {"student", student[0]}});
  EXPECT_NEAR(out.loss.item<double>(), 0.0, 1e-7);
  EXPECT_NEAR(out.metrics.at("cosine").item<double>(), 1.0, 1e-6);
}

TEST(Data2VecRegression, InvariantToPerDimensionAffineMapsOfEveryLayer) {
  torch::manual_seed(0);
  torch::Tensor teacher = torch::randn({3, 2, 5, 4});
  torch::Tensor scale = torch::rand({1, 1, 1, 4}) + 0.5, shift = torch::randn({2, 1, 1, 4});
  torch::Tensor student = torch::cat({teacher.slice(0, 0, 2), teacher.slice(0, 1, 3)}) * scale;
  student = student + torch::cat({shift, shift});
  // The student's four layers are teacher layers 0, 1, 1, 2 up to an affine map; weighting
  // differs from the teacher's 0, 1, 2, so the loss is positive but matches the loops.
  LoopResult expected = loop_regression(teacher, student, 1e-8, 1e-5);
  mmkd::LossOutput out = make_data2vec_regression()->compute({{"teacher", teacher}, {"student", student}});
  EXPECT_GT(expected.loss, 1e-3);
  EXPECT_NEAR(out.loss.item<double>(), expected.loss, 1e-5);

  torch::Tensor same_layers = teacher * scale + shift[0];
  out = make_data2vec_regression()->compute({{"teacher", teacher}, {"student", same_layers}});
  EXPECT_NEAR(out.loss.item<double>(), 0.0, 1e-6);
}

TEST(Data2VecRegression, MatchesLoopImplementation) {
  torch::manual_seed(1);
  torch::Tensor teacher = torch::randn({4, 2, 5, 6}), student = torch::randn({2, 2, 5, 6});
  LoopResult expected = loop_regression(teacher, student, 1e-3, 1e-2);
  mmkd::LossOutput out = make_data2vec_regression("{instance_norm_eps: 1.0e-3, layer_norm_eps: 1.0e-2}")
                             ->compute({{"teacher", teacher}, {"student", student}});
  EXPECT_NEAR(out.loss.item<double>(), expected.loss, 1e-5);
  EXPECT_NEAR(out.metrics.at("cosine").item<double>(), expected.cosine, 1e-5);
  EXPECT_FALSE(out.metrics.at("cosine").requires_grad());
  EXPECT_NE(loop_regression(teacher, student, 1e-8, 1e-5).loss, expected.loss);
}

// The thesis code's text KD: the layer average without Eq. 40's layer norm.
TEST(Data2VecRegression, WithoutLayerNormRegressesTheAverageItself) {
  torch::manual_seed(3);
  torch::Tensor teacher = torch::randn({3, 2, 5, 6}), student = torch::randn({2, 2, 5, 6});
  mmkd::LossOutput out = make_data2vec_regression("{layer_norm: false, instance_norm_eps: 1.0e-5}")
                             ->compute({{"teacher", teacher}, {"student", student}});
  LoopResult expected = loop_regression(teacher, student, 1e-5, 0);
  EXPECT_NEAR(out.loss.item<double>(), expected.loss, 1e-5);
  EXPECT_NEAR(out.metrics.at("cosine").item<double>(), expected.cosine, 1e-5);
  EXPECT_GT(std::abs(expected.loss - loop_regression(teacher, student, 1e-5, 1e-5).loss), 1e-4);
}

TEST(Data2VecRegression, SingleLayersAreAcceptedAsBTD) {
  torch::manual_seed(2);
  torch::Tensor teacher = torch::randn({2, 4, 3}), student = torch::randn({2, 4, 3});
  mmkd::LossOutput out = make_data2vec_regression()->compute({{"teacher", teacher}, {"student", student}});
  EXPECT_NEAR(out.loss.item<double>(), loop_regression(teacher.unsqueeze(0), student.unsqueeze(0), 1e-8, 1e-5).loss, 1e-5);
}

TEST(Data2VecRegression, FirstLayerOptionsLeaveOutTheLayersBeforeThem) {
  torch::manual_seed(6);
  torch::Tensor teacher = torch::randn({4, 2, 3, 5}), student = torch::randn({3, 2, 3, 5});
  auto skipping = make_data2vec_regression("{teacher_first_layer: 2, student_first_layer: 1}");
  mmkd::LossOutput out = skipping->compute({{"teacher", teacher}, {"student", student}});
  mmkd::LossOutput kept =
      make_data2vec_regression()->compute({{"teacher", teacher.slice(0, 2)}, {"student", student.slice(0, 1)}});
  EXPECT_NEAR(out.loss.item<double>(), kept.loss.item<double>(), 1e-6);
  EXPECT_NEAR(out.loss.item<double>(), loop_regression(teacher.slice(0, 2), student.slice(0, 1), 1e-8, 1e-5).loss, 1e-5);
  expect_error_naming([&] { skipping->compute({{"teacher", teacher.slice(0, 2)}, {"student", student}}); },
                      {"`teacher` has 2 layers", "teacher_first_layer is 2"});
}

TEST(Data2VecRegression, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(3);
  auto loss = make_data2vec_regression("{instance_norm_eps: 1.0e-6}");
  torch::Tensor teacher = torch::randn({3, 2, 3, 4}, torch::kDouble).requires_grad_();
  torch::Tensor student = torch::randn({2, 2, 3, 4}, torch::kDouble).requires_grad_();
  auto f = [&] { return loss->compute({{"teacher", teacher}, {"student", student}}).loss; };
  EXPECT_EQ(f().scalar_type(), torch::kDouble);
  mmkd::testing::expect_gradients_match_finite_differences(f, {{"student", student}}, 1e-5, 1e-7);
  f().backward();
  EXPECT_FALSE(teacher.grad().defined());
}

TEST(Data2VecRegression, Bfloat16InputsGiveFloat32Loss) {
  torch::manual_seed(4);
  torch::Tensor teacher = torch::randn({2, 2, 4, 8}).to(torch::kBFloat16);
  torch::Tensor student = torch::randn({2, 2, 4, 8}).to(torch::kBFloat16);
  mmkd::LossOutput out = make_data2vec_regression()->compute({{"teacher", teacher}, {"student", student}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  LoopResult expected = loop_regression(teacher.to(torch::kDouble), student.to(torch::kDouble), 1e-8, 1e-5);
  EXPECT_NEAR(out.loss.item<double>(), expected.loss, 1e-4);
}

TEST(Data2VecRegression, ShapeErrorsNamePortsAndShapes) {
  auto loss = make_data2vec_regression();
  expect_error_naming(
      [&] { loss->compute({{"teacher", torch::randn({3, 2, 4, 5})}, {"student", torch::randn({2, 2, 4, 6})}}); },
      {"data2vec_regression", "`student`", "`teacher`", "[2, 2, 4, 6]", "[3, 2, 4, 5]"});
  expect_error_naming([&] { loss->compute({{"teacher", torch::randn({2, 5})}, {"student", torch::randn({2, 4, 5})}}); },
                      {"`teacher`", "[2, 5]", "L_t"});
  expect_error_naming(
      [&] { loss->compute({{"teacher", torch::randn({2, 4, 5})}, {"student", torch::randn({1, 1, 2, 4, 5})}}); },
      {"`student`", "[1, 1, 2, 4, 5]", "L_s"});
}

TEST(Data2VecRegression, RejectsNonPositiveEpsilons) {
  EXPECT_THROW(make_data2vec_regression("{instance_norm_eps: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_data2vec_regression("{layer_norm_eps: -1.0e-5}"), mmkd::ConfigError);
}

}  // namespace

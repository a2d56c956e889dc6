#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Encoder> make_head(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Encoder>("classifier", options);
}

// A head with random parameters in double, so that LayerNorm's scale and shift matter.
std::shared_ptr<mmkd::Encoder> random_double_head(const std::string& options) {
  torch::manual_seed(0);
  auto head = make_head(options);
  head->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*head);
  head->eval();
  return head;
}

torch::Tensor parameter(const std::shared_ptr<mmkd::Encoder>& head, const std::string& name) {
  return head->named_parameters()[name];
}

// The pooled row of sample b, by loops: tokens first..T-1 averaged, or the CLS token.
std::vector<double> loop_pool(const torch::Tensor& tokens, int64_t b, const std::string& pooling) {
  const int64_t count = tokens.size(1), dim = tokens.size(2);
  if (pooling == "cls") return std::vector<double>(tokens[b][0].data_ptr<double>(), tokens[b][0].data_ptr<double>() + dim);
  const int64_t first = pooling == "mean_patches" ? 1 : 0;
  std::vector<double> pooled(dim, 0.0);
  for (int64_t t = first; t < count; ++t)
    for (int64_t d = 0; d < dim; ++d) pooled[d] += tokens[b][t][d].item<double>() / static_cast<double>(count - first);
  return pooled;
}

// (x - mean) / sqrt(var + eps) * gamma + beta, biased variance.
std::vector<double> loop_layer_norm(std::vector<double> x, const torch::Tensor& gamma, const torch::Tensor& beta,
                                    double eps) {
  double mean = 0, var = 0;
  for (double v : x) mean += v / x.size();
  for (double v : x) var += (v - mean) * (v - mean) / x.size();
  for (size_t d = 0; d < x.size(); ++d)
    x[d] = (x[d] - mean) / std::sqrt(var + eps) * gamma[d].item<double>() + beta[d].item<double>();
  return x;
}

double loop_logit(const std::vector<double>& x, const torch::Tensor& weight, const torch::Tensor& bias, int64_t c) {
  double logit = bias[c].item<double>();
  for (size_t d = 0; d < x.size(); ++d) logit += weight[c][d].item<double>() * x[d];
  return logit;
}

TEST(Classifier, PoolingVariantsMatchLoops) {
  torch::manual_seed(1);
  const torch::Tensor tokens = torch::randn({2, 5, 8}, torch::kDouble);
  for (const std::string pooling : {"mean_patches", "mean", "cls"}) {
    for (const std::string norm : {"layer_norm", "none"}) {
      auto head = random_double_head("{dim: 8, num_classes: 3, norm_eps: 1.0e-5, pooling: " + pooling +
                                     ", norm: " + norm + "}");
      const torch::Tensor logits = head->forward({{"tokens", tokens}}).at("logits");
      ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{2, 3}));
      for (int64_t b = 0; b < 2; ++b) {
        std::vector<double> x = loop_pool(tokens, b, pooling);
        if (norm == "layer_norm") x = loop_layer_norm(x, parameter(head, "norm.weight"), parameter(head, "norm.bias"), 1e-5);
        for (int64_t c = 0; c < 3; ++c)
          EXPECT_NEAR(logits[b][c].item<double>(),
                      loop_logit(x, parameter(head, "head.weight"), parameter(head, "head.bias"), c), 1e-10)
              << pooling << " " << norm << " sample " << b << " class " << c;
      }
    }
  }
}

TEST(Classifier, PoolingNoneTakesFeatures) {
  auto head = random_double_head("{dim: 4, num_classes: 2, pooling: none, norm: none}");
  const torch::Tensor features = torch::randn({3, 4}, torch::kDouble);
  const torch::Tensor expected = features.matmul(parameter(head, "head.weight").t()) + parameter(head, "head.bias");
  EXPECT_TRUE(torch::allclose(head->forward({{"tokens", features}}).at("logits"), expected, 1e-12, 1e-12));
  EXPECT_EQ(head->named_parameters().size(), 2u);  // no norm parameters
}

TEST(Classifier, InitialisationIsTruncatedNormalWithZeroBias) {
  torch::manual_seed(2);
  auto head = make_head("{dim: 64, num_classes: 64, init_std: 0.1}");
  const torch::Tensor weight = parameter(head, "head.weight");
  EXPECT_LE(weight.abs().max().item<double>(), 0.2 + 1e-7);
  EXPECT_NEAR(weight.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(weight.std().item<double>(), 0.1 * 0.8796, 0.005);  // std of N(0, 1) truncated to +-2
  EXPECT_TRUE(torch::equal(parameter(head, "head.bias"), torch::zeros({64})));
  EXPECT_TRUE(torch::equal(parameter(head, "norm.weight"), torch::ones({64})));
  EXPECT_TRUE(torch::equal(parameter(head, "norm.bias"), torch::zeros({64})));
}

TEST(Classifier, DropoutOnlyWhileTraining) {
  torch::manual_seed(3);
  auto head = make_head("{dim: 16, num_classes: 4, dropout: 0.5}");
  const torch::Tensor tokens = torch::randn({2, 3, 16});
  head->eval();
  const torch::Tensor a = head->forward({{"tokens", tokens}}).at("logits");
  EXPECT_TRUE(torch::equal(a, head->forward({{"tokens", tokens}}).at("logits")));
  head->train();
  EXPECT_FALSE(torch::allclose(a, head->forward({{"tokens", tokens}}).at("logits")));
}

TEST(Classifier, GradientsMatchFiniteDifferences) {
  auto head = random_double_head("{dim: 4, num_classes: 3}");
  torch::Tensor tokens = torch::randn({2, 3, 4}, torch::kDouble).requires_grad_(true);
  const torch::Tensor weights = torch::randn({2, 3}, torch::kDouble);
  mmkd::testing::expect_gradients_match_finite_differences(
      [&] { return (head->forward({{"tokens", tokens}}).at("logits") * weights).sum(); },
      {{"tokens", tokens}, {"head.weight", parameter(head, "head.weight")}, {"norm.weight", parameter(head, "norm.weight")}});
}

TEST(Classifier, ErrorsNameThePortAndExpectedShape) {
  auto head = make_head("{dim: 8, num_classes: 3}");
  expect_error_naming([&] { head->forward({{"tokens", torch::randn({2, 8})}}); },
                      {"`tokens`", "[B, T, 8]", "mean_patches", "[2, 8]"});
  expect_error_naming([&] { head->forward({{"tokens", torch::randn({2, 1, 8})}}); }, {"`tokens`", "T >= 2"});
  expect_error_naming([&] { head->forward({{"tokens", torch::randn({2, 3, 6})}}); }, {"`tokens`", "[B, T, 8]"});
  auto features = make_head("{dim: 8, num_classes: 3, pooling: none}");
  expect_error_naming([&] { features->forward({{"tokens", torch::randn({2, 3, 8})}}); }, {"`tokens`", "[B, 8]", "none"});
  expect_error_naming([&] { make_head("{dim: 8}"); }, {"num_classes"});
  expect_error_naming([&] { make_head("{num_classes: 2, pooling: max}"); }, {"pooling", "mean_patches"});
}

}  // namespace

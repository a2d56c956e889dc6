#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include "reference_ops.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <string>
#include <vector>

namespace {

using mmkd::shared::testing::exact_gelu;
using mmkd::shared::testing::plain_layer_norm;

const std::string tiny = "{dim: 8, hidden_dim: 16, classes: 5}";

std::shared_ptr<mmkd::Encoder> make_mlp(const std::string& options) {
  torch::manual_seed(0);
  return mmkd::testing::make<mmkd::Kind::Encoder>("shared_mlp", options);
}


// Eq. 43-44 written out with the module's own parameters.
mmkd::TensorMap reference(torch::nn::Module& module, const torch::Tensor& x) {
  auto p = module.named_parameters();
  torch::Tensor linear1 = x.matmul(p["mlp.fc1.weight"].t()) + p["mlp.fc1.bias"];
  torch::Tensor activated = plain_layer_norm(exact_gelu(linear1), p["mlp.norm.weight"], p["mlp.norm.bias"]);
  torch::Tensor linear2 = activated.matmul(p["mlp.fc2.weight"].t()) + p["mlp.fc2.bias"];
  torch::Tensor normed = plain_layer_norm(linear2, p["norm.weight"], p["norm.bias"]);
  torch::Tensor logits = normed.matmul(p["head.weight"].t()) + p["head.bias"];
  return {{"linear1", linear1}, {"linear2", linear2}, {"head", logits}};
}

TEST(SharedMlp, MatchesEquations43And44) {
  auto mlp = make_mlp(tiny);
  mmkd::testing::randomize_parameters(*mlp);
  torch::Tensor x = torch::randn({3, 8});
  mmkd::TensorMap out = mlp->forward({{"x", x}});
  mmkd::TensorMap expected = reference(*mlp, x);
  EXPECT_EQ(out.at("linear1").sizes(), (std::vector<int64_t>{3, 16}));
  EXPECT_EQ(out.at("linear2").sizes(), (std::vector<int64_t>{3, 8}));
  EXPECT_EQ(out.at("head").sizes(), (std::vector<int64_t>{3, 5}));
  for (const char* name : {"linear1", "linear2", "head"})
    EXPECT_TRUE(torch::allclose(out.at(name), expected.at(name), 1e-5, 1e-5)) << name;
}

TEST(SharedMlp, DropoutOnlyWhileTraining) {
  auto mlp = make_mlp("{dim: 8, hidden_dim: 16, classes: 5, dropout: 0.5}");
  mmkd::testing::randomize_parameters(*mlp);
  torch::Tensor x = torch::randn({3, 8});
  mmkd::TensorMap expected = reference(*mlp, x);
  mmkd::TensorMap trained = mlp->forward({{"x", x}});
  EXPECT_TRUE(torch::allclose(trained.at("linear1"), expected.at("linear1"), 1e-5, 1e-5));  // before the dropout
  EXPECT_FALSE(torch::allclose(trained.at("linear2"), expected.at("linear2"), 1e-3, 1e-3));
  mlp->eval();
  EXPECT_TRUE(torch::allclose(mlp->forward({{"x", x}}).at("linear2"), expected.at("linear2"), 1e-5, 1e-5));
}

TEST(SharedMlp, InitialisesLinearsNormalWithZeroBias) {
  auto mlp = make_mlp("{dim: 64, hidden_dim: 128, classes: 32}");
  for (const auto& p : mlp->named_parameters()) {
    const bool linear_weight = p.key().find("fc") != std::string::npos || p.key().rfind("head", 0) == 0;
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << p.key();
    } else if (linear_weight) {
      EXPECT_NEAR(p.value().std().item<double>(), 0.02, 0.002) << p.key();
    } else {
      EXPECT_TRUE(torch::equal(p.value(), torch::ones_like(p.value()))) << p.key();
    }
  }
}

TEST(SharedMlp, DefaultsHaveTheParametersOfTable9) {
  auto mlp = make_mlp("{}");
  const int64_t dim = 768, hidden = 3072, classes = 1000;
  const int64_t expected = (dim * hidden + hidden) + 2 * hidden + (hidden * dim + dim)  // Eq. 43: W1, b1, LN, W2, b2
                           + 2 * dim + (dim * classes + classes);                       // Eq. 44: LN, W3, b3
  EXPECT_EQ(expected, 5499112);
  EXPECT_EQ(mmkd::parameter_count(*mlp), expected);
}

TEST(SharedMlp, GradientsMatchFiniteDifferences) {
  auto mlp = make_mlp("{dim: 4, hidden_dim: 6, classes: 3}");
  mlp->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*mlp);
  torch::Tensor x = torch::randn({2, 4}, torch::kDouble).requires_grad_();
  auto f = [&] {
    mmkd::TensorMap out = mlp->forward({{"x", x}});
    return out.at("head").pow(2).sum() + out.at("linear1").sin().sum() + out.at("linear2").cos().sum();
  };
  mmkd::testing::NamedLeaves leaves = {{"x", x}};
  for (const auto& p : mlp->named_parameters()) leaves.emplace_back(p.key(), p.value());
  mmkd::testing::expect_gradients_match_finite_differences(f, leaves);
}

TEST(SharedMlp, HeadGradientReachesEveryParameter) {
  auto mlp = make_mlp(tiny);
  mlp->forward({{"x", torch::randn({3, 8})}}).at("head").pow(2).sum().backward();
  for (const auto& p : mlp->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

TEST(SharedMlp, RejectsInputsOfAnotherShape) {
  auto mlp = make_mlp(tiny);
  mmkd::testing::expect_error_naming([&] { mlp->forward({{"x", torch::randn({2, 3, 8})}}); },
                                     {"shared_mlp", "`x`", "[B, 8]", "[2, 3, 8]"});
  mmkd::testing::expect_error_naming([&] { mlp->forward({{"x", torch::randn({2, 7})}}); }, {"`x`", "[B, 8]", "[2, 7]"});
  mmkd::testing::expect_error_naming([&] { mlp->forward({}); }, {"x"});
}

}  // namespace

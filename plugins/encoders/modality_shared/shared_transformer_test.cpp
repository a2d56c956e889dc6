#include "expect_error.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include "reference_ops.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

using mmkd::shared::testing::exact_gelu;
using mmkd::shared::testing::plain_layer_norm;

constexpr int64_t dim = 8, heads = 2, hidden = 16, classes = 5;
const std::string tiny_transformer = "{dim: 8, heads: 2, hidden_dim: 16, classes: 5}";

std::shared_ptr<mmkd::Encoder> make_block(const std::string& options = tiny_transformer) {
  torch::manual_seed(0);
  return mmkd::testing::make<mmkd::Kind::Encoder>("shared_transformer", options);
}


// Eq. 50-52 written out with the module's own parameters; mask [B, T] with 0 = padding. LayerScale
// gammas and the MLP's LayerNorm are applied where the module has them; `residual_linear2` reads
// h'' from the block's residual output as the thesis code does.
mmkd::TensorMap reference(torch::nn::Module& module, const torch::Tensor& h, const torch::Tensor& mask,
                          bool residual_linear2 = false) {
  auto p = module.named_parameters();
  auto linear = [&](const torch::Tensor& x, const std::string& name) {
    return x.matmul(p[name + ".weight"].t()) + p[name + ".bias"];
  };
  auto scaled = [&](const torch::Tensor& branch, const std::string& gamma) {
    return p.contains(gamma) ? branch * p[gamma] : branch;
  };
  const int64_t batch = h.size(0), length = h.size(1), head_dim = dim / heads;
  auto split = [&](const torch::Tensor& x) { return x.reshape({batch, length, heads, head_dim}).transpose(1, 2); };
  torch::Tensor normed = plain_layer_norm(h, p["norm1.weight"], p["norm1.bias"]);
  std::vector<torch::Tensor> qkv = linear(normed, "attn.qkv").chunk(3, -1);
  torch::Tensor scores = split(qkv[0]).matmul(split(qkv[1]).transpose(-2, -1)) / std::sqrt(double(head_dim));
  scores = scores.masked_fill((mask == 0).reshape({batch, 1, 1, length}), -std::numeric_limits<float>::infinity());
  torch::Tensor attended = scores.softmax(-1).matmul(split(qkv[2])).transpose(1, 2).reshape({batch, length, dim});
  torch::Tensor h_mha = scaled(linear(attended, "attn.proj"), "gamma_1") + h;                  // Eq. 50
  torch::Tensor linear1 = linear(plain_layer_norm(h_mha, p["norm2.weight"], p["norm2.bias"]), "mlp.fc1");
  torch::Tensor activated = exact_gelu(linear1);
  if (p.contains("mlp.norm.weight")) activated = plain_layer_norm(activated, p["mlp.norm.weight"], p["mlp.norm.bias"]);
  torch::Tensor linear2 = linear(activated, "mlp.fc2");
  torch::Tensor residual = scaled(linear2, "gamma_2") + h_mha;
  torch::Tensor h_ln = plain_layer_norm(residual, p["norm.weight"], p["norm.bias"]);         // Eq. 51
  torch::Tensor cls = h_ln.select(1, 0);
  return {{"linear1", linear1.select(1, 0)}, {"linear2", (residual_linear2 ? residual : linear2).select(1, 0)},
          {"head", linear(cls, "head")}, {"tokens", h_ln}, {"cls", cls}};                      // Eq. 52
}

torch::Tensor text_mask() { return torch::tensor({1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, torch::kLong).reshape({2, 5}); }

TEST(SharedTransformer, MatchesEquations50To52) {
  auto block = make_block();
  mmkd::testing::randomize_parameters(*block);
  torch::Tensor tokens = torch::randn({2, 5, dim});
  mmkd::TensorMap out = block->forward({{"tokens", tokens}, {"mask", text_mask()}});
  mmkd::TensorMap expected = reference(*block, tokens, text_mask());
  EXPECT_EQ(out.at("linear1").sizes(), (std::vector<int64_t>{2, hidden}));
  EXPECT_EQ(out.at("linear2").sizes(), (std::vector<int64_t>{2, dim}));
  EXPECT_EQ(out.at("head").sizes(), (std::vector<int64_t>{2, classes}));
  EXPECT_EQ(out.at("tokens").sizes(), (std::vector<int64_t>{2, 5, dim}));
  EXPECT_EQ(out.at("cls").sizes(), (std::vector<int64_t>{2, dim}));
  for (const char* name : {"linear1", "linear2", "head", "tokens", "cls"})
    EXPECT_TRUE(torch::allclose(out.at(name), expected.at(name), 1e-5, 1e-5)) << name;
}

// The thesis code's layer: LayerScale on both branches (started at 0.2), no LayerNorm inside the
// MLP, and h'' read from the block's residual output.
TEST(SharedTransformer, ThesisCodeVariantScalesBothBranchesAndReadsTheResidual) {
  auto block = make_block("{dim: 8, heads: 2, hidden_dim: 16, classes: 5, layer_scale: 0.2, mlp_norm: false, "
                          "linear2_output: residual}");
  auto p = block->named_parameters();
  EXPECT_FALSE(p.contains("mlp.norm.weight"));
  ASSERT_TRUE(p.contains("gamma_1") && p.contains("gamma_2"));
  EXPECT_TRUE(torch::equal(p["gamma_1"], torch::full({dim}, 0.2)));
  mmkd::testing::randomize_parameters(*block);
  torch::Tensor tokens = torch::randn({2, 5, dim});
  mmkd::TensorMap out = block->forward({{"tokens", tokens}, {"mask", text_mask()}});
  mmkd::TensorMap expected = reference(*block, tokens, text_mask(), true);
  for (const char* name : {"linear1", "linear2", "head", "tokens", "cls"})
    EXPECT_TRUE(torch::allclose(out.at(name), expected.at(name), 1e-5, 1e-5)) << name;
  EXPECT_FALSE(torch::allclose(out.at("linear2"), reference(*block, tokens, text_mask()).at("linear2"), 1e-3, 1e-3));
}

TEST(SharedTransformer, HeadOnTokensAppliesTheHeadToEveryToken) {
  auto block = make_block("{dim: 8, heads: 2, hidden_dim: 16, classes: 5, head_on_tokens: true}");
  mmkd::testing::randomize_parameters(*block);
  mmkd::TensorMap out = block->forward({{"tokens", torch::randn({2, 5, dim})}, {"mask", text_mask()}});
  ASSERT_EQ(out.at("head_tokens").sizes(), (std::vector<int64_t>{2, 5, classes}));
  EXPECT_TRUE(torch::allclose(out.at("head_tokens").select(1, 0), out.at("head"), 1e-6, 1e-6));
  auto p = block->named_parameters();
  EXPECT_TRUE(torch::allclose(out.at("head_tokens"), out.at("tokens").matmul(p["head.weight"].t()) + p["head.bias"],
                              1e-5, 1e-5));
  EXPECT_EQ(make_block()->forward({{"tokens", torch::randn({2, 5, dim})}}).count("head_tokens"), 0u);
}

TEST(SharedTransformer, WithoutMaskEveryTokenIsAttended) {
  auto block = make_block();
  mmkd::testing::randomize_parameters(*block);
  torch::Tensor tokens = torch::randn({2, 5, dim});
  mmkd::TensorMap out = block->forward({{"tokens", tokens}});
  mmkd::TensorMap expected = reference(*block, tokens, torch::ones({2, 5}, torch::kLong));
  for (const char* name : {"linear1", "linear2", "head", "tokens"})
    EXPECT_TRUE(torch::allclose(out.at(name), expected.at(name), 1e-5, 1e-5)) << name;
}

TEST(SharedTransformer, DropoutOnlyWhileTraining) {
  auto block = make_block("{dim: 8, heads: 2, hidden_dim: 16, classes: 5, dropout: 0.5}");
  mmkd::testing::randomize_parameters(*block);
  torch::Tensor tokens = torch::randn({2, 5, dim});
  mmkd::TensorMap expected = reference(*block, tokens, text_mask());
  mmkd::TensorMap trained = block->forward({{"tokens", tokens}, {"mask", text_mask()}});
  EXPECT_FALSE(torch::allclose(trained.at("tokens"), expected.at("tokens"), 1e-3, 1e-3));
  block->eval();
  mmkd::TensorMap evaluated = block->forward({{"tokens", tokens}, {"mask", text_mask()}});
  EXPECT_TRUE(torch::allclose(evaluated.at("tokens"), expected.at("tokens"), 1e-5, 1e-5));
}

TEST(SharedTransformer, PaddingDoesNotChangeTheClsOutputs) {
  auto block = make_block();
  mmkd::testing::randomize_parameters(*block);
  torch::Tensor tokens = torch::randn({2, 5, dim});
  torch::Tensor padding = (text_mask() == 0).unsqueeze(-1);
  torch::Tensor changed = torch::where(padding, torch::randn({2, 5, dim}) * 10, tokens);
  mmkd::TensorMap out = block->forward({{"tokens", tokens}, {"mask", text_mask()}});
  mmkd::TensorMap changed_out = block->forward({{"tokens", changed}, {"mask", text_mask()}});
  for (const char* name : {"linear1", "linear2", "head", "cls"})
    EXPECT_TRUE(torch::allclose(out.at(name), changed_out.at(name), 1e-6, 1e-6)) << name;
  torch::Tensor real = text_mask().to(torch::kBool).unsqueeze(-1);
  EXPECT_TRUE(torch::allclose(out.at("tokens").masked_fill(~real, 0), changed_out.at("tokens").masked_fill(~real, 0),
                              1e-6, 1e-6));
  mmkd::TensorMap unmasked = block->forward({{"tokens", changed}});
  EXPECT_FALSE(torch::allclose(out.at("cls")[1], unmasked.at("cls")[1], 1e-4, 1e-4));
}

TEST(SharedTransformer, HeadAndContrastiveOutputsReachEveryParameter) {
  auto block = make_block();
  mmkd::TensorMap out = block->forward({{"tokens", torch::randn({2, 5, dim})}, {"mask", text_mask()}});
  (out.at("head").pow(2).sum() + out.at("linear1").pow(2).sum()).backward();
  for (const auto& p : block->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

TEST(SharedTransformer, DefaultsHaveOneTransformerLayerAndTheHead) {
  auto block = make_block("{}");
  const int64_t d = 768, h = 3072, c = 1000;
  const int64_t attention = 2 * d + (d * 3 * d + 3 * d) + (d * d + d);    // Eq. 50: LN, qkv, proj
  const int64_t mlp = 2 * d + (d * h + h) + 2 * h + (h * d + d) + 2 * d;  // Eq. 51: LN, W1, b1, LN, W2, b2, LN
  const int64_t head = d * c + c;                                          // Eq. 52: W3, b3
  EXPECT_EQ(attention + mlp + head, 7864552);
  EXPECT_EQ(mmkd::parameter_count(*block), attention + mlp + head);
}

TEST(SharedTransformer, RejectsInputsOfAnotherShape) {
  auto block = make_block();
  mmkd::testing::expect_error_naming([&] { block->forward({{"tokens", torch::randn({2, dim})}}); },
                                     {"shared_transformer", "`tokens`", "[B, T, 8]", "[2, 8]"});
  mmkd::testing::expect_error_naming([&] { block->forward({{"tokens", torch::randn({2, 5, 6})}}); },
                                     {"`tokens`", "[B, T, 8]", "[2, 5, 6]"});
  mmkd::testing::expect_error_naming(
      [&] { block->forward({{"tokens", torch::randn({2, 5, dim})}, {"mask", torch::ones({2, 4})}}); },
      {"`mask`", "[2, 5]", "[2, 4]"});
}

TEST(SharedTransformer, RejectsHeadsThatDoNotDivideDim) {
  mmkd::testing::expect_error_naming([] { make_block("{dim: 8, heads: 3}"); }, {"heads", "divide", "8"});
}

}  // namespace

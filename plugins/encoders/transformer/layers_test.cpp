#include <mmkd_transformer/layers/activation_checkpoint.hpp>
#include "module_state.hpp"
#include <mmkd_transformer/layers/relative_position_bias.hpp>
#include <mmkd_transformer/layers/transformer_block.hpp>

#include <gtest/gtest.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace tr = mmkd::transformer;

namespace {

constexpr int64_t layer_dim = 8, layer_heads = 2, layer_hidden = 16;

tr::BlockOptions options_with(const std::string& qkv_bias = "all", double dropout = 0.0) {
  tr::BlockOptions options;
  options.attention = {layer_dim, layer_heads, dropout, qkv_bias};
  options.mlp_hidden_dim = layer_hidden;
  return options;
}

// softmax(q k^T / sqrt(d) + bias) v per head, then the output projection.
torch::Tensor reference_attention(tr::SelfAttention& attention, const torch::Tensor& x, const torch::Tensor& qkv_bias,
                                  const torch::Tensor& bias) {
  const int64_t b = x.size(0), t = x.size(1), d = layer_dim / layer_heads;
  torch::Tensor qkv = torch::matmul(x, attention->qkv->weight.t()) + qkv_bias;
  auto split = [&](int64_t part) { return qkv.slice(2, part * layer_dim, (part + 1) * layer_dim).reshape({b, t, layer_heads, d}).transpose(1, 2); };
  torch::Tensor scores = torch::matmul(split(0), split(1).transpose(-2, -1)) / std::sqrt(double(d));
  if (bias.defined()) scores = scores + bias;
  torch::Tensor mixed = torch::matmul(torch::softmax(scores, -1), split(2)).transpose(1, 2).reshape({b, t, layer_dim});
  return attention->proj(mixed);
}

TEST(RelativePositionBias, IndexesTheTableAsBeit) {
  const int64_t h = 2, w = 3, n = h * w, distances = (2 * h - 1) * (2 * w - 1);
  tr::RelativePositionBias bias(h, w, layer_heads);
  {
    torch::NoGradGuard no_grad;
    bias->relative_position_bias_table.copy_(torch::arange(double((distances + 3) * layer_heads)).reshape({-1, layer_heads}));
  }
  torch::Tensor out = bias->forward();
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, layer_heads, n + 1, n + 1}));
  auto table = bias->relative_position_bias_table;
  for (int64_t head = 0; head < layer_heads; ++head)
    for (int64_t i = 0; i <= n; ++i)
      for (int64_t j = 0; j <= n; ++j) {
        int64_t row;
        if (i == 0 && j == 0) row = distances + 2;
        else if (i == 0) row = distances;
        else if (j == 0) row = distances + 1;
        else {
          const int64_t dy = (i - 1) / w - (j - 1) / w + h - 1, dx = (i - 1) % w - (j - 1) % w + w - 1;
          row = dy * (2 * w - 1) + dx;
        }
        EXPECT_EQ(out[0][head][i][j].item<double>(), table[row][head].item<double>()) << i << "," << j;
      }
}

TEST(SelfAttention, QueryValueBiasHasNoKeyBias) {
  torch::manual_seed(1);
  tr::SelfAttention attention(tr::AttentionOptions{layer_dim, layer_heads, 0.0, "qv"});
  mmkd::testing::randomize_parameters(*attention);
  EXPECT_FALSE(attention->qkv->bias.defined());
  torch::Tensor x = torch::randn({2, 5, layer_dim});
  torch::Tensor qkv_bias = torch::cat({attention->q_bias, torch::zeros({layer_dim}), attention->v_bias});
  EXPECT_TRUE(torch::allclose(attention->forward(x), reference_attention(attention, x, qkv_bias, {}), 1e-5, 1e-5));
}

TEST(SelfAttention, AddsTheBiasToTheScoresAndMasksPadding) {
  torch::manual_seed(2);
  tr::SelfAttention attention(tr::AttentionOptions{layer_dim, layer_heads, 0.0, "none"});
  mmkd::testing::randomize_parameters(*attention);
  torch::Tensor x = torch::randn({2, 4, layer_dim}), bias = torch::randn({1, layer_heads, 4, 4});
  EXPECT_TRUE(torch::allclose(attention->forward(x, {}, bias), reference_attention(attention, x, torch::zeros({3 * layer_dim}), bias),
                              1e-5, 1e-5));
  torch::Tensor mask = torch::tensor({1, 1, 1, 0, 1, 1, 0, 0}).reshape({2, 4});
  torch::Tensor blocked = torch::zeros({2, 1, 1, 4}).masked_fill((mask == 0).reshape({2, 1, 1, 4}), -1e9);
  EXPECT_TRUE(torch::allclose(attention->forward(x, mask, bias),
                              reference_attention(attention, x, torch::zeros({3 * layer_dim}), bias + blocked), 1e-5, 1e-5));
}

TEST(TransformerBlock, LayerScaleMultipliesBothBranches) {
  tr::BlockOptions scaled = options_with();
  scaled.layer_scale = 0.1;
  torch::manual_seed(3);
  tr::TransformerBlock block(scaled);
  mmkd::testing::randomize_parameters(*block);
  tr::TransformerBlock plain(options_with());
  {
    torch::NoGradGuard no_grad;
    auto params = block->named_parameters();
    for (auto& p : plain->named_parameters()) p.value().copy_(params[p.key()]);
  }
  torch::Tensor x = torch::randn({2, 3, layer_dim});
  torch::Tensor h = x + block->gamma_1 * block->attn(block->norm1(x));
  torch::Tensor expected = h + block->gamma_2 * block->mlp(block->norm2(h));
  EXPECT_TRUE(torch::allclose(block->forward(x), expected, 1e-5, 1e-5));
  {
    torch::NoGradGuard no_grad;
    block->gamma_1.fill_(1);
    block->gamma_2.fill_(1);
  }
  EXPECT_TRUE(torch::allclose(block->forward(x), plain->forward(x), 1e-5, 1e-5));
}

TEST(TransformerBlock, PerLayerRelativeBiasIsAddedToAttention) {
  tr::BlockOptions options = options_with("qv");
  options.relative_grid_height = options.relative_grid_width = 2;
  torch::manual_seed(4);
  tr::TransformerBlock block(options);
  mmkd::testing::randomize_parameters(*block);
  torch::Tensor x = torch::randn({2, 5, layer_dim});
  torch::Tensor qkv_bias = torch::cat({block->attn->q_bias, torch::zeros({layer_dim}), block->attn->v_bias});
  torch::Tensor h = x + reference_attention(block->attn, block->norm1(x), qkv_bias, block->relative_position_bias->forward());
  EXPECT_TRUE(torch::allclose(block->forward(x), h + block->mlp(block->norm2(h)), 1e-5, 1e-5));
}

TEST(DropPath, DropsWholeSamplesOnlyWhileTraining) {
  torch::manual_seed(5);
  torch::Tensor x = torch::ones({4000, 3});
  EXPECT_TRUE(torch::equal(tr::drop_path(x, 0.25, false), x));
  torch::Tensor y = tr::drop_path(x, 0.25, true);
  torch::Tensor kept = y.select(1, 0) != 0;
  EXPECT_TRUE(torch::equal(y.select(1, 0), y.select(1, 2)));
  EXPECT_TRUE(torch::allclose(y.index({kept}), torch::full({kept.sum().item<int64_t>(), 3}, 1 / 0.75)));
  EXPECT_NEAR(1 - kept.to(torch::kFloat).mean().item<double>(), 0.25, 0.03);
}

TEST(PostNormBlock, NormalisesAfterEachResidual) {
  tr::BlockOptions options = options_with();
  options.norm_eps = 1e-12;
  torch::manual_seed(6);
  tr::PostNormBlock block(options);
  mmkd::testing::randomize_parameters(*block);
  torch::Tensor x = torch::randn({2, 4, layer_dim});
  torch::Tensor mask = torch::tensor({1, 1, 1, 1, 1, 1, 0, 0}).reshape({2, 4});
  torch::Tensor blocked = torch::zeros({2, 1, 1, 4}).masked_fill((mask == 0).reshape({2, 1, 1, 4}), -1e9);
  auto norm = [](const torch::Tensor& v, const torch::nn::LayerNorm& ln) {
    return torch::layer_norm(v, {layer_dim}, ln->weight, ln->bias, 1e-12);
  };
  torch::Tensor h = norm(x + reference_attention(block->attn, x, block->attn->qkv->bias, blocked), block->norm1);
  torch::Tensor mixed = block->mlp->fc2(torch::gelu(block->mlp->fc1(h)));
  EXPECT_TRUE(torch::allclose(block->forward(x, mask), norm(h + mixed, block->norm2), 1e-5, 1e-5));
}

TEST(ActivationCheckpoint, SameOutputsAndGradientsWithDropout) {
  torch::manual_seed(7);
  tr::TransformerBlock block(options_with("all", 0.3));
  block->train();
  torch::Tensor x0 = torch::randn({2, 5, layer_dim});
  auto run = [&](bool recompute) {
    for (auto& p : block->parameters()) p.mutable_grad() = torch::Tensor();
    torch::Tensor x = x0.clone().requires_grad_(true);
    torch::manual_seed(11);
    auto fn = [&](const torch::Tensor& t) { return block->forward(t); };
    torch::Tensor y = recompute ? tr::checkpointed(fn, x, block->parameters()) : fn(x);
    (y * y).sum().backward();
    std::vector<torch::Tensor> result{y.detach(), x.grad()};
    for (auto& p : block->parameters()) result.push_back(p.grad().clone());
    return result;
  };
  auto stored = run(false), recomputed = run(true);
  ASSERT_EQ(stored.size(), recomputed.size());
  for (size_t i = 0; i < stored.size(); ++i) EXPECT_TRUE(torch::allclose(stored[i], recomputed[i], 1e-5, 1e-6)) << i;
}

}  // namespace

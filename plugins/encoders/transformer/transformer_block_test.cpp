#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include <mmkd_transformer/layers/activation_checkpoint.hpp>
#include <mmkd_transformer/layers/transformer_block.hpp>

#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

using mmkd::transformer::BlockOptions;
using mmkd::transformer::TransformerBlock;

namespace {

constexpr int64_t dim = 8, heads = 2, hidden = 16;

BlockOptions block_options(double dropout = 0.0) {
  BlockOptions options;
  options.attention = {dim, heads, dropout, "all"};
  options.mlp_hidden_dim = hidden;
  return options;
}

// Every parameter of the block drawn at random, LayerNorm weights included.
TransformerBlock random_block(torch::Dtype dtype) {
  torch::manual_seed(3);
  TransformerBlock block(block_options());
  block->to(dtype);
  mmkd::testing::randomize_parameters(*block);
  return block;
}

// The block written out element by element from its parameters, in double.
torch::Tensor reference_block(TransformerBlock& block, const torch::Tensor& x_in, const std::vector<std::vector<int>>& mask) {
  auto param = [&](const std::string& name) { return block->named_parameters()[name].to(torch::kDouble); };
  auto layer_norm = [](const std::vector<double>& v, const torch::Tensor& w, const torch::Tensor& b) {
    double mean = 0, var = 0;
    for (double e : v) mean += e / v.size();
    for (double e : v) var += (e - mean) * (e - mean) / v.size();
    std::vector<double> out(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      out[i] = (v[i] - mean) / std::sqrt(var + 1e-6) * w[i].item<double>() + b[i].item<double>();
    return out;
  };
  auto linear = [](const std::vector<double>& v, const torch::Tensor& w, const torch::Tensor& b) {
    std::vector<double> out(w.size(0));
    for (int64_t o = 0; o < w.size(0); ++o) {
      out[o] = b[o].item<double>();
      for (int64_t i = 0; i < w.size(1); ++i) out[o] += w[o][i].item<double>() * v[i];
    }
    return out;
  };
  const int64_t batch = x_in.size(0), length = x_in.size(1), head_dim = dim / heads;
  torch::Tensor x = x_in.to(torch::kDouble);
  torch::Tensor out = torch::zeros_like(x);
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<std::vector<double>> tokens(length), qkv(length);
    for (int64_t t = 0; t < length; ++t) {
      for (int64_t c = 0; c < dim; ++c) tokens[t].push_back(x[b][t][c].item<double>());
      qkv[t] = linear(layer_norm(tokens[t], param("norm1.weight"), param("norm1.bias")), param("attn.qkv.weight"),
                      param("attn.qkv.bias"));
    }
    for (int64_t i = 0; i < length; ++i) {
      std::vector<double> attended(dim, 0.0);
      for (int64_t h = 0; h < heads; ++h) {
        std::vector<double> scores(length, -INFINITY);
        double max_score = -INFINITY, total = 0;
        for (int64_t j = 0; j < length; ++j) {
          if (!mask[b][j]) continue;
          double s = 0;
          for (int64_t d = 0; d < head_dim; ++d) s += qkv[i][h * head_dim + d] * qkv[j][dim + h * head_dim + d];
          scores[j] = s / std::sqrt(static_cast<double>(head_dim));
          max_score = std::max(max_score, scores[j]);
        }
        for (double& s : scores) total += s = std::exp(s - max_score);
        for (int64_t j = 0; j < length; ++j)
          for (int64_t d = 0; d < head_dim; ++d)
            attended[h * head_dim + d] += scores[j] / total * qkv[j][2 * dim + h * head_dim + d];
      }
      std::vector<double> h1 = linear(attended, param("attn.proj.weight"), param("attn.proj.bias"));
      for (int64_t c = 0; c < dim; ++c) h1[c] += tokens[i][c];
      std::vector<double> a = linear(layer_norm(h1, param("norm2.weight"), param("norm2.bias")),
                                     param("mlp.fc1.weight"), param("mlp.fc1.bias"));
      for (double& e : a) e = 0.5 * e * (1 + std::erf(e / std::sqrt(2.0)));
      std::vector<double> h2 = linear(a, param("mlp.fc2.weight"), param("mlp.fc2.bias"));
      for (int64_t c = 0; c < dim; ++c) out[b][i][c] = h1[c] + h2[c];
    }
  }
  return out;
}

TEST(TransformerBlock, MatchesElementwiseReferenceWithPaddingMask) {
  TransformerBlock block = random_block(torch::kFloat);
  torch::Tensor x = torch::randn({2, 4, dim});
  std::vector<std::vector<int>> mask = {{1, 1, 1, 0}, {1, 1, 0, 0}};
  torch::Tensor key_mask = torch::tensor({1, 1, 1, 0, 1, 1, 0, 0}, torch::kLong).reshape({2, 4});
  torch::Tensor expected = reference_block(block, x, mask);
  EXPECT_TRUE(torch::allclose(block->forward(x, key_mask).to(torch::kDouble), expected, 1e-4, 1e-4));
}

TEST(TransformerBlock, WithoutMaskAttendsToEveryPosition) {
  TransformerBlock block = random_block(torch::kFloat);
  torch::Tensor x = torch::randn({2, 3, dim});
  torch::Tensor expected = reference_block(block, x, {{1, 1, 1}, {1, 1, 1}});
  EXPECT_TRUE(torch::allclose(block->forward(x).to(torch::kDouble), expected, 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(block->forward(x, torch::ones({2, 3}, torch::kLong)), block->forward(x)));
}

TEST(TransformerBlock, GradientsMatchFiniteDifferencesInDouble) {
  TransformerBlock block = random_block(torch::kDouble);
  torch::Tensor x = torch::randn({2, 3, dim}, torch::kDouble).requires_grad_();
  torch::Tensor key_mask = torch::tensor({1, 1, 0, 1, 1, 1}, torch::kLong).reshape({2, 3});
  torch::Tensor weights = torch::randn({2, 3, dim}, torch::kDouble);
  auto f = [&] { return (block->forward(x, key_mask) * weights).sum(); };

  std::vector<std::string> names = {"x"};
  std::vector<torch::Tensor> leaves = {x};
  for (const auto& p : block->named_parameters()) names.push_back(p.key()), leaves.push_back(p.value());
  std::vector<torch::Tensor> analytic = torch::autograd::grad({f()}, leaves);
  for (size_t i = 0; i < leaves.size(); ++i) {
    torch::Tensor numeric = mmkd::testing::numeric_gradient(f, leaves[i]);
    EXPECT_TRUE(torch::allclose(analytic[i], numeric, 1e-5, 1e-6)) << names[i];
  }
}

TEST(TransformerBlock, DropoutOnlyInTraining) {
  torch::manual_seed(0);
  TransformerBlock block(block_options(0.5));
  torch::Tensor x = torch::randn({2, 3, dim});
  block->eval();
  EXPECT_TRUE(torch::equal(block->forward(x), block->forward(x)));
  block->train();
  EXPECT_FALSE(torch::equal(block->forward(x), block->forward(x)));
}

}  // namespace

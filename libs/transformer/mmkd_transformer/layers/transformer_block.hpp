#pragma once
// Transformer blocks: pre-LN as in ViT and BEiT (Eq. 20-21), post-LN as in BERT.
#include <mmkd_transformer/layers/attention.hpp>
#include <mmkd_transformer/layers/relative_position_bias.hpp>

#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <utility>

namespace mmkd::transformer {

torch::nn::LayerNorm layer_norm(int64_t dim, double eps = 1e-6);

// Stochastic depth: zeroes the residual branch of whole samples with probability p while
// training, and scales the rest by 1 / (1 - p).
torch::Tensor drop_path(const torch::Tensor& x, double p, bool training);

// fc1 -> GELU -> dropout -> fc2 -> dropout
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t dim, int64_t hidden_dim, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(Mlp);

struct BlockOptions {
  AttentionOptions attention;
  int64_t mlp_hidden_dim = 0;
  double layer_scale = 0;  // initial value of the per-channel scales gamma_1, gamma_2; 0 = none
  double drop_path = 0;
  double norm_eps = 1e-6;
  int64_t relative_grid_height = 0, relative_grid_width = 0;  // a relative position bias of its own; 0 = none
};

// x + drop_path(gamma_1 * attn(norm1(x), bias)), then the same with mlp(norm2(.)) and gamma_2;
// the block's own relative position bias is added to `bias`.
class TransformerBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerBlockImpl(const BlockOptions& options);

  // x [B, T, dim]; key_mask [B, T] or undefined; bias [1 or B, heads, T, T] or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask = {}, const torch::Tensor& bias = {});
  // The block's output and its MLP output before LayerScale and the residual.
  std::pair<torch::Tensor, torch::Tensor> forward_with_ffn(const torch::Tensor& x, const torch::Tensor& key_mask = {},
                                                           const torch::Tensor& bias = {});

  double drop_path_p;
  torch::nn::LayerNorm norm1{nullptr};
  SelfAttention attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
  Mlp mlp{nullptr};
  torch::Tensor gamma_1, gamma_2;  // [dim] with layer_scale only
  RelativePositionBias relative_position_bias{nullptr};
};
TORCH_MODULE(TransformerBlock);

// BERT and fairseq's Data2Vec2: norm1(x + attn(x)), then norm2(h + mlp(h)).
class PostNormBlockImpl : public torch::nn::Module {
 public:
  explicit PostNormBlockImpl(const BlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask = {}, const torch::Tensor& bias = {});
  // The block's output and mlp(h), before the residual and norm2 (fairseq's layer_results).
  std::pair<torch::Tensor, torch::Tensor> forward_with_ffn(const torch::Tensor& x, const torch::Tensor& key_mask = {},
                                                           const torch::Tensor& bias = {});

  double drop_path_p;
  SelfAttention attn{nullptr};
  torch::nn::LayerNorm norm1{nullptr};
  Mlp mlp{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
};
TORCH_MODULE(PostNormBlock);

}  // namespace mmkd::transformer

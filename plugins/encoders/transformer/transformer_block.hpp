#pragma once
// Pre-LN transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)).
#include "self_attention.hpp"

#include <torch/torch.h>

namespace mmkd::transformer {

// LayerNorm over the last dimension with eps 1e-6, as in ViT.
torch::nn::LayerNorm layer_norm(int64_t dim);

// fc1 -> GELU -> dropout -> fc2 -> dropout
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t dim, int64_t hidden_dim, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(Mlp);

class TransformerBlockImpl : public torch::nn::Module {
 public:
  TransformerBlockImpl(int64_t dim, int64_t heads, int64_t mlp_hidden_dim, double dropout);

  // x [B, T, dim]; key_mask [B, T], nonzero = token, or undefined = attend to all positions.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask = {});

  torch::nn::LayerNorm norm1{nullptr};
  SelfAttention attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace mmkd::transformer

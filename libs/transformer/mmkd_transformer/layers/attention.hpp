#pragma once
// Multi-head self-attention with a key padding mask and an additive bias (relative positions).
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <string>

namespace mmkd::transformer {

struct AttentionOptions {
  int64_t dim = 0, heads = 1;
  double dropout = 0;
  std::string qkv_bias = "all";  // "all"; "qv": query and value only, as BEiT; "none"
};

// key_mask [B, T] (nonzero = token) as an additive attention bias [B, 1, 1, T]: 0 at tokens,
// -inf at padding, in `like`'s dtype and device. Build it once per forward, not per block.
torch::Tensor padding_bias(const torch::Tensor& key_mask, const torch::Tensor& like);

class SelfAttentionImpl : public torch::nn::Module {
 public:
  explicit SelfAttentionImpl(const AttentionOptions& options);

  // x [B, T, dim]; key_mask [B, T] (nonzero = a token others may attend to) or undefined;
  // bias [1 or B, heads, T, T] added to the scores, or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask = {}, const torch::Tensor& bias = {});

  AttentionOptions options;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  torch::Tensor q_bias, v_bias;  // qkv_bias "qv" only
  torch::nn::Dropout proj_dropout{nullptr};
};
TORCH_MODULE(SelfAttention);

}  // namespace mmkd::transformer

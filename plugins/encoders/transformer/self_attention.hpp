#pragma once
// Multi-head self-attention with an optional key padding mask.
#include <torch/torch.h>

namespace mmkd::transformer {

class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t dim, int64_t heads, double dropout);

  // x [B, T, dim]; key_mask [B, T], nonzero = a token others may attend to, or undefined = all.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask = {});

  int64_t heads;
  double dropout;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  torch::nn::Dropout proj_dropout{nullptr};
};
TORCH_MODULE(SelfAttention);

}  // namespace mmkd::transformer

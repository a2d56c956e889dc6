#include "transformer_block.hpp"

#include "linear_init.hpp"

namespace mmkd::transformer {

torch::nn::LayerNorm layer_norm(int64_t dim) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6));
}

MlpImpl::MlpImpl(int64_t dim, int64_t hidden_dim, double dropout_p)
    : fc1(register_module("fc1", normal_linear(dim, hidden_dim))),
      fc2(register_module("fc2", normal_linear(hidden_dim, dim))),
      dropout(register_module("dropout", torch::nn::Dropout(dropout_p))) {}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return dropout(fc2(dropout(torch::gelu(fc1(x)))));
}

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t heads, int64_t mlp_hidden_dim, double dropout)
    : norm1(register_module("norm1", layer_norm(dim))),
      attn(register_module("attn", SelfAttention(dim, heads, dropout))),
      norm2(register_module("norm2", layer_norm(dim))),
      mlp(register_module("mlp", Mlp(dim, mlp_hidden_dim, dropout))) {}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask) {
  torch::Tensor h = x + attn(norm1(x), key_mask);
  return h + mlp(norm2(h));
}

}  // namespace mmkd::transformer

#include "self_attention.hpp"

#include "linear_init.hpp"

#include <mmkd/version.hpp>

#include <cmath>
#include <limits>

namespace mmkd::transformer {

namespace {
// softmax(q k^T / sqrt(d), masked) v for q, k, v [B, H, T, d]; allowed [B, 1, 1, T] bool or undefined.
torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& allowed, double dropout_p) {
#if MMKD_TORCH_AT_LEAST(2, 0)
  if (allowed.defined()) return at::scaled_dot_product_attention(q, k, v, allowed, dropout_p);
  return at::scaled_dot_product_attention(q, k, v, {}, dropout_p);
#else
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (allowed.defined()) scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
  torch::Tensor weights = torch::dropout(torch::softmax(scores, -1), dropout_p, dropout_p > 0);
  return torch::matmul(weights, v);
#endif
}
}  // namespace

SelfAttentionImpl::SelfAttentionImpl(int64_t dim, int64_t heads_, double dropout_)
    : heads(heads_),
      dropout(dropout_),
      qkv(register_module("qkv", normal_linear(dim, 3 * dim))),
      proj(register_module("proj", normal_linear(dim, dim))),
      proj_dropout(register_module("proj_dropout", torch::nn::Dropout(dropout_))) {
  TORCH_CHECK(dim % heads == 0, "attention dim ", dim, " is not divisible by heads ", heads);
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask) {
  const int64_t batch = x.size(0), length = x.size(1), dim = x.size(2);
  torch::Tensor q_k_v = qkv(x).reshape({batch, length, 3, heads, dim / heads}).permute({2, 0, 3, 1, 4});
  torch::Tensor allowed;
  if (key_mask.defined()) allowed = key_mask.to(torch::kBool).reshape({batch, 1, 1, length});
  torch::Tensor attended =
      scaled_dot_product_attention(q_k_v[0], q_k_v[1], q_k_v[2], allowed, is_training() ? dropout : 0.0);
  return proj_dropout(proj(attended.transpose(1, 2).reshape({batch, length, dim})));
}

}  // namespace mmkd::transformer

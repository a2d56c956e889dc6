#include <mmkd_transformer/layers/attention.hpp>

#include <mmkd_transformer/layers/linear_init.hpp>

#include <mmkd/version.hpp>

#include <cmath>
#include <limits>

namespace mmkd::transformer {

namespace {
// softmax(q k^T / sqrt(d) + mask) v for q, k, v [B, H, T, d]; mask additive float or undefined (Eq. 19).
torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& float_mask, double dropout_p) {
  // In q's dtype (bf16 under autocast), which the fused kernels require of a float mask.
  const torch::Tensor mask = float_mask.defined() ? float_mask.to(q.scalar_type()) : float_mask;
#if MMKD_TORCH_AT_LEAST(2, 0)
  return at::scaled_dot_product_attention(q, k, v, mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt,
                                          dropout_p);
#else
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (mask.defined()) scores = scores + mask;
  torch::Tensor weights = torch::dropout(torch::softmax(scores, -1), dropout_p, dropout_p > 0);
  return torch::matmul(weights, v);
#endif
}

// The additive mask: `bias` plus -inf at padded keys.
torch::Tensor additive_mask(const torch::Tensor& key_mask, const torch::Tensor& bias, const torch::Tensor& like) {
  torch::Tensor mask = bias.defined() ? bias.to(like.scalar_type()) : torch::Tensor();
  if (!key_mask.defined()) return mask;
  torch::Tensor blocked = padding_bias(key_mask, like);
  return mask.defined() ? mask + blocked : blocked;
}
}  // namespace

torch::Tensor padding_bias(const torch::Tensor& key_mask, const torch::Tensor& like) {
  return torch::zeros({key_mask.size(0), 1, 1, key_mask.size(1)}, like.options())
      .masked_fill(key_mask.to(torch::kBool).logical_not().reshape({key_mask.size(0), 1, 1, -1}),
                   -std::numeric_limits<float>::infinity());
}

SelfAttentionImpl::SelfAttentionImpl(const AttentionOptions& options_)
    : options(options_),
      qkv(register_module("qkv", normal_linear(options_.dim, 3 * options_.dim, options_.qkv_bias == "all"))),
      proj(register_module("proj", normal_linear(options_.dim, options_.dim))),
      proj_dropout(register_module("proj_dropout", torch::nn::Dropout(options_.dropout))) {
  TORCH_CHECK(options.dim % options.heads == 0, "attention dim ", options.dim, " is not divisible by heads ",
              options.heads);
  TORCH_CHECK(options.qkv_bias == "all" || options.qkv_bias == "qv" || options.qkv_bias == "none",
              "qkv_bias must be all, qv or none, got ", options.qkv_bias);
  if (options.qkv_bias == "qv") {
    q_bias = register_parameter("q_bias", torch::zeros({options.dim}));
    v_bias = register_parameter("v_bias", torch::zeros({options.dim}));
  }
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask,
                                         const torch::Tensor& bias) {
  const int64_t batch = x.size(0), length = x.size(1), dim = x.size(2), heads = options.heads;
  torch::Tensor projected =
      q_bias.defined() ? torch::linear(x, qkv->weight, torch::cat({q_bias, torch::zeros_like(v_bias), v_bias}))
                       : qkv(x);
  // unbind: one gradient for q, k and v together (three selects would each zero-fill all three)
  const std::vector<torch::Tensor> q_k_v = projected.reshape({batch, length, 3, heads, dim / heads}).permute({2, 0, 3, 1, 4}).unbind(0);
  torch::Tensor attended = scaled_dot_product_attention(q_k_v[0], q_k_v[1], q_k_v[2], additive_mask(key_mask, bias, x),
                                                        is_training() ? options.dropout : 0.0);
  return proj_dropout(proj(attended.transpose(1, 2).reshape({batch, length, dim})));
}

}  // namespace mmkd::transformer

#include <mmkd_transformer/layers/transformer_block.hpp>

#include <mmkd_transformer/layers/linear_init.hpp>

namespace mmkd::transformer {

torch::nn::LayerNorm layer_norm(int64_t dim, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps));
}

torch::Tensor drop_path(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  torch::Tensor keep = torch::empty(shape, x.options()).bernoulli_(1 - p);
  return x * keep / (1 - p);
}

MlpImpl::MlpImpl(int64_t dim, int64_t hidden_dim, double dropout_p)
    : fc1(register_module("fc1", normal_linear(dim, hidden_dim))),
      fc2(register_module("fc2", normal_linear(hidden_dim, dim))),
      dropout(register_module("dropout", torch::nn::Dropout(dropout_p))) {}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return dropout(fc2(dropout(torch::gelu(fc1(x)))));
}

TransformerBlockImpl::TransformerBlockImpl(const BlockOptions& options)
    : drop_path_p(options.drop_path),
      norm1(register_module("norm1", layer_norm(options.attention.dim, options.norm_eps))),
      attn(register_module("attn", SelfAttention(options.attention))),
      norm2(register_module("norm2", layer_norm(options.attention.dim, options.norm_eps))),
      mlp(register_module("mlp", Mlp(options.attention.dim, options.mlp_hidden_dim, options.attention.dropout))) {
  if (options.layer_scale > 0) {
    gamma_1 = register_parameter("gamma_1", torch::full({options.attention.dim}, options.layer_scale));
    gamma_2 = register_parameter("gamma_2", torch::full({options.attention.dim}, options.layer_scale));
  }
  if (options.relative_grid_height > 0)
    relative_position_bias = register_module(
        "relative_position_bias", RelativePositionBias(options.relative_grid_height, options.relative_grid_width,
                                                       options.attention.heads));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask,
                                            const torch::Tensor& bias) {
  return forward_with_ffn(x, key_mask, bias).first;
}

std::pair<torch::Tensor, torch::Tensor> TransformerBlockImpl::forward_with_ffn(const torch::Tensor& x,
                                                                               const torch::Tensor& key_mask,
                                                                               const torch::Tensor& bias) {
  torch::Tensor attention_bias = bias;
  if (relative_position_bias)
    attention_bias = bias.defined() ? bias + relative_position_bias->forward() : relative_position_bias->forward();
  torch::Tensor attended = attn(norm1(x), key_mask, attention_bias);
  if (gamma_1.defined()) attended = gamma_1 * attended;
  torch::Tensor h = x + drop_path(attended, drop_path_p, is_training());
  torch::Tensor ffn = mlp(norm2(h));
  torch::Tensor mixed = gamma_2.defined() ? gamma_2 * ffn : ffn;
  return {h + drop_path(mixed, drop_path_p, is_training()), ffn};
}

PostNormBlockImpl::PostNormBlockImpl(const BlockOptions& options)
    : drop_path_p(options.drop_path),
      attn(register_module("attn", SelfAttention(options.attention))),
      norm1(register_module("norm1", layer_norm(options.attention.dim, options.norm_eps))),
      mlp(register_module("mlp", Mlp(options.attention.dim, options.mlp_hidden_dim, options.attention.dropout))),
      norm2(register_module("norm2", layer_norm(options.attention.dim, options.norm_eps))) {}

torch::Tensor PostNormBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask,
                                         const torch::Tensor& bias) {
  return forward_with_ffn(x, key_mask, bias).first;
}

std::pair<torch::Tensor, torch::Tensor> PostNormBlockImpl::forward_with_ffn(const torch::Tensor& x,
                                                                            const torch::Tensor& key_mask,
                                                                            const torch::Tensor& bias) {
  torch::Tensor h = norm1(x + drop_path(attn(x, key_mask, bias), drop_path_p, is_training()));
  torch::Tensor ffn = mlp(h);
  return {norm2(h + drop_path(ffn, drop_path_p, is_training())), ffn};
}

}  // namespace mmkd::transformer

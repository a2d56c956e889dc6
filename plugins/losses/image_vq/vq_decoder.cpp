#include "vq_decoder.hpp"

namespace mmkd::image_vq {

namespace {
torch::nn::LayerNorm layer_norm(int64_t dim) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6)); }
}  // namespace

PreLnLayerImpl::PreLnLayerImpl(int64_t dim, int64_t heads, int64_t mlp_hidden_dim, double dropout)
    : norm1(register_module("norm1", layer_norm(dim))),
      attention(register_module(
          "attention", torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(dim, heads).dropout(dropout)))),
      norm2(register_module("norm2", layer_norm(dim))),
      mlp(register_module("mlp", torch::nn::Sequential(torch::nn::Linear(dim, mlp_hidden_dim), torch::nn::GELU(),
                                                       torch::nn::Dropout(dropout), torch::nn::Linear(mlp_hidden_dim, dim),
                                                       torch::nn::Dropout(dropout)))) {}

torch::Tensor PreLnLayerImpl::forward(const torch::Tensor& x) {
  const torch::Tensor normed = norm1(x).transpose(0, 1);  // MultiheadAttention takes [T, B, dim]
  const torch::Tensor attended = std::get<0>(attention->forward(normed, normed, normed, torch::Tensor(), false)).transpose(0, 1);
  const torch::Tensor h = attended + x;  // Eq. 21
  return mlp->forward(norm2(h)) + h;     // Eq. 21
}

VqDecoderImpl::VqDecoderImpl(int64_t layers_, int64_t dim, int64_t heads, int64_t mlp_hidden_dim, double dropout)
    : layers(register_module("layers", torch::nn::ModuleList())) {
  for (int64_t u = 0; u < layers_; ++u) layers->push_back(PreLnLayer(dim, heads, mlp_hidden_dim, dropout));
}

torch::Tensor VqDecoderImpl::forward(const torch::Tensor& cls, const torch::Tensor& tokens) {
  torch::Tensor h = torch::cat({cls.unsqueeze(1), tokens}, 1);
  for (const auto& layer : *layers) h = layer->as<PreLnLayer>()->forward(h);
  return h.select(1, 0);
}

}  // namespace mmkd::image_vq

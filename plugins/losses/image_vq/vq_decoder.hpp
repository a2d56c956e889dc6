#pragma once
// The decoder of image VQ: U pre-LN Transformer layers (thesis Eq. 21) over
// [q_m W_up, Omega(h_1), ..., Omega(h_N)], read at the [I_CLS] position.
#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace mmkd::image_vq {

// H' = MHA(LN(H)) + H; H = FFN(LN(H')) + H' (Eq. 21).
class PreLnLayerImpl : public torch::nn::Module {
 public:
  PreLnLayerImpl(int64_t dim, int64_t heads, int64_t mlp_hidden_dim, double dropout);
  torch::Tensor forward(const torch::Tensor& x);  // [B, T, dim]

  torch::nn::LayerNorm norm1{nullptr};
  torch::nn::MultiheadAttention attention{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
  torch::nn::Sequential mlp{nullptr};  // fc1 -> GELU -> dropout -> fc2 -> dropout
};
TORCH_MODULE(PreLnLayer);

class VqDecoderImpl : public torch::nn::Module {
 public:
  VqDecoderImpl(int64_t layers, int64_t dim, int64_t heads, int64_t mlp_hidden_dim, double dropout);
  // cls [B, dim] and tokens [B, N, dim] -> the last layer's output at the cls position [B, dim].
  torch::Tensor forward(const torch::Tensor& cls, const torch::Tensor& tokens);

  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(VqDecoder);

}  // namespace mmkd::image_vq

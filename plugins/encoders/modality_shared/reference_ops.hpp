#pragma once
// Operations the shared encoders' tests write out by hand, for reference computations.
#include <torch/types.h>

#include <cmath>

namespace mmkd::shared::testing {

// LayerNorm over the last dimension with eps 1e-6, from its definition.
inline torch::Tensor plain_layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  torch::Tensor mean = x.mean(-1, true), var = (x - mean).pow(2).mean(-1, true);
  return (x - mean) / torch::sqrt(var + 1e-6) * weight + bias;
}

inline torch::Tensor exact_gelu(const torch::Tensor& x) { return 0.5 * x * (1 + torch::erf(x / std::sqrt(2.0))); }

}  // namespace mmkd::shared::testing

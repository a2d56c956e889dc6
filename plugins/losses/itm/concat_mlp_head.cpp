#include "concat_mlp_head.hpp"

#include <mmkd/loss_math.hpp>

namespace mmkd::itm {

ConcatMlpHeadImpl::ConcatMlpHeadImpl(int64_t dim, int64_t hidden_dim)
    : fc1(register_module("fc1", torch::nn::Linear(2 * dim, hidden_dim))),
      norm(register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_dim}).eps(1e-6)))),
      fc2(register_module("fc2", torch::nn::Linear(hidden_dim, 2))) {}

torch::Tensor ConcatMlpHeadImpl::forward(const torch::Tensor& image, const torch::Tensor& text) {
  const torch::Tensor pairs = torch::cat({l2_normalize(image), l2_normalize(text)}, 1).to(fc1->weight.scalar_type());
  return fc2(norm(torch::gelu(fc1(pairs))));
}

}  // namespace mmkd::itm

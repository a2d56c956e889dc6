#include "feed_forward.hpp"

#include "layers/linear_init.hpp"
#include "layers/transformer_block.hpp"

namespace mmkd::shared {

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t hidden_dim, double dropout_p, double norm_eps)
    : fc1(register_module("fc1", transformer::normal_linear(dim, hidden_dim))),
      norm(register_module("norm", transformer::layer_norm(hidden_dim, norm_eps))),
      fc2(register_module("fc2", transformer::normal_linear(hidden_dim, dim))),
      dropout(register_module("dropout", torch::nn::Dropout(dropout_p))) {}

std::pair<torch::Tensor, torch::Tensor> FeedForwardImpl::forward(const torch::Tensor& x) {
  torch::Tensor linear1 = fc1(x);                                    // Eq. 43: h'
  torch::Tensor linear2 = fc2(norm(dropout(torch::gelu(linear1))));  // Eq. 43: h''
  return {linear1, linear2};
}

}  // namespace mmkd::shared

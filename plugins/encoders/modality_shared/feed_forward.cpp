#include "feed_forward.hpp"

#include <mmkd_transformer/layers/linear_init.hpp>
#include <mmkd_transformer/layers/transformer_block.hpp>

namespace mmkd::shared {

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t hidden_dim, double dropout_p, double norm_eps, bool hidden_norm)
    : fc1(register_module("fc1", transformer::normal_linear(dim, hidden_dim))),
      fc2(register_module("fc2", transformer::normal_linear(hidden_dim, dim))),
      dropout(register_module("dropout", torch::nn::Dropout(dropout_p))) {
  if (hidden_norm) norm = register_module("norm", transformer::layer_norm(hidden_dim, norm_eps));
}

std::pair<torch::Tensor, torch::Tensor> FeedForwardImpl::forward(const torch::Tensor& x) {
  torch::Tensor linear1 = fc1(x);  // Eq. 43: h'
  torch::Tensor activated = dropout(torch::gelu(linear1));
  torch::Tensor linear2 = fc2(norm ? norm(activated) : activated);  // Eq. 43: h''
  return {linear1, linear2};
}

}  // namespace mmkd::shared

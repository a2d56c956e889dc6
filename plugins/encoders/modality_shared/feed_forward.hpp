#pragma once
// The shared encoders' feed-forward part, keeping the raw outputs of both linear layers
// (the contrastive losses read them, Table 14).
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <utility>

namespace mmkd::shared {

// h' = x W1 + b1, h'' = LN(GELU(h')) W2 + b2 (Eq. 43, Eq. 51); dropout on the GELU activations.
// Without `hidden_norm` h'' = GELU(h') W2 + b2 (the thesis code's shared transformer layer).
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t dim, int64_t hidden_dim, double dropout, double norm_eps, bool hidden_norm = true);

  // {h' [..., hidden_dim], h'' [..., dim]}
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr};
  torch::nn::LayerNorm norm{nullptr};  // null without hidden_norm
  torch::nn::Linear fc2{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(FeedForward);

}  // namespace mmkd::shared

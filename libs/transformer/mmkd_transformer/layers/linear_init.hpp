#pragma once
#include <torch/nn/modules/linear.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd::transformer {

// A linear layer with weights ~ N(0, 0.02) and zero bias, as in ViT and BERT.
inline torch::nn::Linear normal_linear(int64_t in_features, int64_t out_features, bool bias = true) {
  torch::nn::Linear linear(torch::nn::LinearOptions(in_features, out_features).bias(bias));
  torch::NoGradGuard no_grad;
  linear->weight.normal_(0.0, 0.02);
  if (bias) linear->bias.zero_();
  return linear;
}

}  // namespace mmkd::transformer

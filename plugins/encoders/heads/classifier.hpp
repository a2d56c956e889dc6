#pragma once
// Encoder `classifier`: the head added to a pretrained model for fine-tuning and linear probing
// (thesis Sec. 3.1.1.3, Code 1): pool the tokens, LayerNorm, dropout, linear layer to logits.
#include <mmkd/mmkd.hpp>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

#include <string>

namespace mmkd::heads {

class Classifier : public Encoder {
 public:
  static ComponentInfo info();
  Classifier(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  torch::nn::LayerNorm norm{nullptr};  // Code 1: layer_norm; none with `norm: none`
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear head{nullptr};     // Code 1: cls_head = nn.Linear(D, C)

 private:
  torch::Tensor pool(const torch::Tensor& tokens) const;

  std::string pooling_;
  int64_t dim_;
};

}  // namespace mmkd::heads

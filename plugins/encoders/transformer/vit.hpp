#pragma once
// Encoder `vit`: Vision Transformer with a learned CLS token and learned absolute positions.
#include "transformer_encoder.hpp"

namespace mmkd::transformer {

class VisionTransformer : public TransformerEncoder {
 public:
  static ComponentInfo info();
  VisionTransformer(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  torch::nn::Conv2d patch_embed{nullptr};  // patches -> dim
  torch::Tensor cls_token;                 // [1, 1, dim]
  torch::Tensor pos_embed;                 // [1, 1 + N, dim]

 private:
  int64_t image_size_, channels_;
};

}  // namespace mmkd::transformer

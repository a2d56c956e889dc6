#pragma once
// Encoder `vit`: Vision Transformer (ViT, BEiT v2, Data2Vec2 variants): patch embedding, CLS
// token, learned, fixed sin-cos or relative positions, pre-LN or post-LN blocks.
#include <mmkd_transformer/transformer_encoder.hpp>

#include <torch/nn/modules/conv.h>

namespace mmkd::transformer {

class VisionTransformer : public TransformerEncoder {
 public:
  static ComponentInfo info();
  static void declare(ComponentInfo& info);  // the options and ports, shared with vit_teacher
  VisionTransformer(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;
  CheckpointLayout export_layout() const override;
  // Key names of `format`. `layers`: the checkpoint layer of each block, the others ignored;
  // empty = block i from layer i. for_export binds fixed sin-cos positions too (timm and
  // Hugging Face store positions as a tensor); loading ignores a checkpoint's positions then.
  CheckpointLayout layout(const std::string& format, const std::vector<int64_t>& layers, bool for_export) const;

  torch::nn::Conv2d patch_embed{nullptr};  // registered as patch_embed.proj
  torch::Tensor cls_token;                 // [1, 1, dim]
  torch::Tensor pos_embed;                 // [1, 1 + N, dim]: a parameter (learned), a buffer (sincos) or none

 private:
  int64_t image_size_, channels_;
  std::string position_, pooling_;
  int64_t prenet_depth_;
  CheckpointOptions checkpoint_;

  CheckpointLayout fairseq_layout(const std::vector<int64_t>& layers) const;
};

// Fixed 2-D sin-cos positions of MAE and Data2Vec2: [1 + grid^2, dim], the CLS row zero.
torch::Tensor sincos_positions(int64_t grid, int64_t dim);

}  // namespace mmkd::transformer

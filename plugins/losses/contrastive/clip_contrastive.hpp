#pragma once
// Loss `clip_contrastive`: symmetric image-text InfoNCE with a learnable temperature.
#include <mmkd/mmkd.hpp>
#include <torch/torch.h>

namespace mmkd::clip_contrastive {

class ClipContrastive : public Loss {
 public:
  static ComponentInfo info();
  ClipContrastive(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

  torch::Tensor logit_scale;  // scalar, log(1 / temperature)

 private:
  double max_logit_scale_;
};

}  // namespace mmkd::clip_contrastive

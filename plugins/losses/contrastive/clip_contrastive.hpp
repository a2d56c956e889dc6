#pragma once
// Loss `clip_contrastive`: symmetric image-text InfoNCE with a learnable temperature, over the
// batch gathered from every data-parallel rank.

#include <mmkd/mmkd.hpp>
#include <mmkd/kit/logit_scale.hpp>
#include <torch/types.h>

namespace mmkd::contrastive {

class ClipContrastive : public Loss {
 public:
  static ComponentInfo info();
  ClipContrastive(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

 private:
  Context context_;
  LogitScale logit_scale_;
};

}  // namespace mmkd::contrastive

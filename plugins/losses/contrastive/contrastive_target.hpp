#pragma once
// Loss `contrastive_target`: the student's text and image [CLS] must pick their own teacher
// image [CLS] among the teacher targets of the global batch and of a memory bank (thesis
// Eq. 79-85).

#include <mmkd/mmkd.hpp>
#include <mmkd/kit/feature_queue.hpp>
#include <mmkd/kit/logit_scale.hpp>
#include <torch/types.h>

namespace mmkd::contrastive {

class ContrastiveTarget : public Loss {
 public:
  static ComponentInfo info();
  ContrastiveTarget(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

 private:
  Context context_;
  LogitScale logit_scale_;
  FeatureQueue memory_bank_{nullptr};  // normalised teacher targets of earlier steps (Eq. 84); none when bank_size is 0
};

}  // namespace mmkd::contrastive

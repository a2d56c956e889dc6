#pragma once
// Loss `memory_bank_itc`: image-text contrastive loss whose negatives also come from FIFO
// queues of keys of earlier steps, one queue per modality (thesis Section 3.2.4.3, Table 20),
// with keys from a momentum encoder as in MoCo and ALBEF (Section 3.2.4.3.2, Eq. 70).

#include <mmkd/mmkd.hpp>
#include <mmkd/kit/feature_queue.hpp>
#include <mmkd/kit/logit_scale.hpp>
#include <torch/types.h>

namespace mmkd::contrastive {

class MemoryBankItc : public Loss {
 public:
  static ComponentInfo info();
  MemoryBankItc(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

 private:
  Context context_;
  LogitScale logit_scale_;
  bool keys_with_gradient_;  // the batch's keys are not detached (gathered with gradient)
  FeatureQueue image_queue_{nullptr};  // image keys: negatives of the text queries
  FeatureQueue text_queue_{nullptr};   // text keys: negatives of the image queries
};

}  // namespace mmkd::contrastive

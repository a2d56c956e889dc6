#pragma once
// Loss `cross_entropy`: class logits against class indices (optionally label-smoothed) or soft
// targets such as mixup/cutmix's, for fine-tuning and linear probing (thesis Eq. 27-28, Table 27).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace mmkd::classification {

class CrossEntropy : public Loss {
 public:
  static ComponentInfo info();
  CrossEntropy(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

 private:
  double label_smoothing_;
};

}  // namespace mmkd::classification

#pragma once
// Loss `target_cmli`: patch-level distillation of an image teacher into image and text tokens,
// each text token regressing its best-matching teacher patch (thesis Eq. 71-77).
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <mmkd/mmkd.hpp>

namespace mmkd::cmli {

class TargetCmli : public Loss {
 public:
  static ComponentInfo info();
  TargetCmli(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

  torch::nn::Linear projection{nullptr};  // g of Eq. 76

 private:
  bool regress_projected_;
  bool include_cls_;
};

}  // namespace mmkd::cmli

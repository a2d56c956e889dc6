#pragma once
// Loss `kl_divergence`: the student's image and caption predictions against the teacher's
// soft targets, as in SHRe and Transformer SHRe (thesis Eq. 30, 45-46).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace mmkd::distillation {

class KlDivergence : public Loss {
 public:
  static ComponentInfo info();
  KlDivergence(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

 private:
  double temperature_;
  bool scale_by_temperature_squared_;
};

}  // namespace mmkd::distillation

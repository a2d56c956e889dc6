#pragma once
// Loss `mse`: the student's image and caption representations regressed onto the teacher's
// (thesis Eq. 54-57, 78).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace mmkd::distillation {

class Mse : public Loss {
 public:
  static ComponentInfo info();
  Mse(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;
};

}  // namespace mmkd::distillation

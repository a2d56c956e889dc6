#pragma once
// Loss `regression_mse`: mean squared error of a predicted score, for regression tasks such as
// GLUE STS-B (thesis Table 28).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace mmkd::classification {

class RegressionMse : public Loss {
 public:
  static ComponentInfo info();
  RegressionMse(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;
};

}  // namespace mmkd::classification

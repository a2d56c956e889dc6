#pragma once
// torch::optim::AdamW with the same state and arithmetic, each step done by multi-tensor at::_foreach_* ops: a few
// kernel launches per parameter group instead of about eight per parameter.
#include <torch/optim/adamw.h>

namespace mmkd {

class ForeachAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// The state an AdamW keeps for `parameter`; null before its first step with a gradient.
const torch::optim::AdamWParamState* find_adamw_state(const torch::optim::Optimizer& optimizer,
                                                      const torch::Tensor& parameter);

}  // namespace mmkd

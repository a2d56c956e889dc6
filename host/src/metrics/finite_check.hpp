#pragma once
// NaN/Inf losses found without a host-device synchronisation per step: each step's
// flag stays on the device until `first_nonfinite` reads the pending ones in one transfer,
// before anything is saved, logged or evaluated.
#include "graph/graph.hpp"

#include <mmkd/collectives.hpp>

#include <optional>
#include <vector>

namespace mmkd {

struct NonfiniteStep {
  int64_t step = 0;                                  // 1-based step whose loss was not finite
  std::map<std::string, torch::Tensor> values;       // its loss values; empty when another rank saw it
};

class FiniteCheck {
 public:
  // Records whether `losses.total` of a micro-batch of 1-based step `step` is finite.
  void add(int64_t step, const LossValues& losses);
  // The first pending micro-batch that was not finite on any rank (every rank calls this after
  // the same steps); forgets the pending ones.
  std::optional<NonfiniteStep> first_nonfinite(Collectives* ranks = nullptr);

 private:
  std::vector<int64_t> steps_;
  std::vector<torch::Tensor> flags_;  // true where the loss was finite
  std::vector<std::map<std::string, torch::Tensor>> values_;
};

}  // namespace mmkd

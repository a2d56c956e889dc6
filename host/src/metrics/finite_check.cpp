#include "metrics/finite_check.hpp"

#include <torch/types.h>

namespace mmkd {

void FiniteCheck::add(int64_t step, const LossValues& losses) {
  steps_.push_back(step);
  flags_.push_back(torch::isfinite(losses.total.detach()));
  values_.push_back(losses.values);
}

std::optional<NonfiniteStep> FiniteCheck::first_nonfinite(Collectives* ranks) {
  if (steps_.empty()) return std::nullopt;
  torch::Tensor local = 1 - torch::stack(flags_).to(torch::kCPU, torch::kDouble);  // 1: not finite
  torch::Tensor any_rank = local.clone();
  if (ranks) ranks->all_reduce_sum(any_rank);
  std::optional<NonfiniteStep> found;
  for (int64_t i = 0; i < any_rank.size(0); ++i) {
    if (any_rank[i].item<double>() == 0) continue;
    found = NonfiniteStep{steps_[static_cast<size_t>(i)], {}};
    if (local[i].item<double>() > 0) found->values = values_[static_cast<size_t>(i)];
    break;
  }
  steps_.clear();
  flags_.clear();
  values_.clear();
  return found;
}

}  // namespace mmkd

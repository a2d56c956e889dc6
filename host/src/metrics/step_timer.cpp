#include "metrics/step_timer.hpp"

#include <torch/cuda.h>

namespace mmkd {

void StepTimer::start() { started_ = std::chrono::steady_clock::now(); }

void StepTimer::stop(const std::string& phase) {
  if (!enabled_ && phase != kDataPhase) return;
  if (enabled_ && device_.is_cuda()) torch::cuda::synchronize(device_.index());
  seconds_[phase] += std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  started_ = std::chrono::steady_clock::now();
}

std::map<std::string, double> StepTimer::per_step(int64_t steps) {
  std::map<std::string, double> out;
  for (const auto& [phase, seconds] : seconds_) out["time." + phase] = seconds / static_cast<double>(std::max<int64_t>(steps, 1));
  seconds_.clear();
  return out;
}

}  // namespace mmkd

#pragma once
// bf16/fp16 autocast on CUDA, and dynamic loss scaling for fp16.
#include <torch/types.h>

#include <string>
#include <vector>

namespace mmkd {

// Autocast to `dtype` on CUDA for the guard's lifetime; does nothing for fp32 or on CPU.
class AutocastGuard {
 public:
  AutocastGuard(torch::Device device, const std::string& precision);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
};

// Multiplies the loss by a scale, and before the optimizer step divides the gradients by it;
// a step whose gradients hold Inf/NaN is skipped and the scale halved; after `growth_interval`
// good steps it doubles. A scale of 1 that never changes when disabled (fp32, bf16).
class LossScaler {
 public:
  explicit LossScaler(bool enabled, double initial_scale = 65536.0, int64_t growth_interval = 2000);
  torch::Tensor scale(const torch::Tensor& loss) const;
  // Unscales gradients in place; returns false when the step must be skipped.
  bool unscale(const std::vector<torch::Tensor>& parameters);
  void update(bool step_was_finite);
  double value() const { return scale_; }
  void set_value(double scale) { scale_ = scale; }

 private:
  bool enabled_;
  double scale_;
  int64_t growth_interval_, good_steps_ = 0;
};

}  // namespace mmkd

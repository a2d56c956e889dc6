#include "optim/mixed_precision.hpp"

#include <mmkd/cuda_autocast.hpp>

#include <ATen/autocast_mode.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd {

AutocastGuard::AutocastGuard(torch::Device device, const std::string& precision) {
  if (!device.is_cuda() || precision == "fp32") return;
  CudaAutocast{true, precision == "bf16" ? at::kBFloat16 : at::kHalf}.apply();
  active_ = true;
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  CudaAutocast{false, at::kHalf}.apply();
  at::autocast::clear_cache();
}

LossScaler::LossScaler(bool enabled, double initial_scale, int64_t growth_interval)
    : enabled_(enabled), scale_(enabled ? initial_scale : 1.0), growth_interval_(growth_interval) {}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }

bool LossScaler::unscale(const std::vector<torch::Tensor>& parameters) {
  if (!enabled_) return true;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> all_finite;  // per gradient, on the device: read once below
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    p.mutable_grad().div_(scale_);
    all_finite.push_back(torch::isfinite(p.grad()).all());
  }
  return all_finite.empty() || torch::stack(all_finite).all().item<bool>();
}

void LossScaler::update(bool step_was_finite) {
  if (!enabled_) return;
  if (!step_was_finite) {
    scale_ = std::max(1.0, scale_ * 0.5);
    good_steps_ = 0;
  } else if (++good_steps_ >= growth_interval_) {
    scale_ *= 2.0;
    good_steps_ = 0;
  }
}

}  // namespace mmkd

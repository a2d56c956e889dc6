#pragma once
// Known dense peak TFLOP/s of GPUs at bf16/fp16 (tensor cores, fp32 accumulate), the
// denominator of `mfu` when `trainer.peak_tflops` is left at 0.
#include <torch/types.h>

#include <optional>
#include <string>

namespace mmkd {

// The peak for a device named `name` (as CUDA reports it) at `precision`; nullopt when the
// device is not known or the precision is fp32.
std::optional<double> known_peak_tflops(const std::string& name, const std::string& precision);

// The name CUDA reports for `device`; empty on the CPU or in a CPU-only build.
std::string device_name(torch::Device device);

}  // namespace mmkd

#include "metrics/device_peak.hpp"

#ifdef MMKD_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#endif

#include <utility>
#include <vector>

namespace mmkd {

std::optional<double> known_peak_tflops(const std::string& name, const std::string& precision) {
  if (precision != "bf16" && precision != "fp16") return std::nullopt;
  // First match wins: the PCIe H100 before the SXM one.
  static const std::vector<std::pair<std::vector<std::string>, double>> peaks = {
      {{"H100", "PCIe"}, 756.0}, {{"H100"}, 989.4}, {{"H200"}, 989.4}, {{"H800"}, 989.4},
      {{"A100"}, 312.0},         {{"A800"}, 312.0}, {{"L40S"}, 362.0}, {{"RTX 4090"}, 165.2},
      {{"RTX A6000"}, 154.8}};
  for (const auto& [parts, tflops] : peaks) {
    bool all = true;
    for (const auto& part : parts) all = all && name.find(part) != std::string::npos;
    if (all) return tflops;
  }
  return std::nullopt;
}

std::string device_name(torch::Device device) {
#ifdef MMKD_WITH_CUDA
  if (device.is_cuda()) {
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, device.has_index() ? device.index() : c10::cuda::current_device()) == cudaSuccess)
      return properties.name;
  }
#endif
  return "";
}

}  // namespace mmkd

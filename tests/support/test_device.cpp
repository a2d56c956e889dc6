#include "test_device.hpp"

#include <mmkd/error.hpp>

#include <torch/cuda.h>

#include <algorithm>
#include <cstdlib>

namespace mmkd::testing {

namespace {
std::string environment(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? fallback : value;
}
}  // namespace

torch::Device test_device() {
  const std::string device = environment("MMKD_TEST_DEVICE", "cpu");
  if (device != "cpu" && device != "cuda") throw Error("MMKD_TEST_DEVICE must be cpu or cuda, not " + device);
  if (device == "cuda" && !torch::cuda::is_available()) throw Error("MMKD_TEST_DEVICE=cuda, but no GPU is visible");
  return torch::Device(device);
}

std::string test_precision() {
  const std::string precision = environment("MMKD_TEST_PRECISION", "fp32");
  if (precision != "fp32" && precision != "bf16")
    throw Error("MMKD_TEST_PRECISION must be fp32 or bf16, not " + precision);
  if (precision == "bf16" && !test_device().is_cuda())
    throw Error("MMKD_TEST_PRECISION=bf16 is CUDA autocast: it needs MMKD_TEST_DEVICE=cuda");
  return precision;
}

TestAutocast::TestAutocast() : before_(CudaAutocast::current()) {
  if (test_precision() == "bf16") CudaAutocast{true, c10::kBFloat16}.apply();
}

TestAutocast::~TestAutocast() { before_.apply(); }

bool DeviceTolerance::accepts(const torch::Tensor& result, const torch::Tensor& reference) const {
  const torch::Tensor expected = reference.to(torch::kCPU, torch::kDouble);
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  return torch::allclose(result.to(torch::kCPU, torch::kDouble), expected, relative, relative * scale);
}

DeviceTolerance device_tolerance() {
  if (test_precision() == "bf16") return {3e-2};
  return {test_device().is_cuda() ? 1e-3 : 1e-4};
}

}  // namespace mmkd::testing

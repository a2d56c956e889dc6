#pragma once
// The device and precision tests run on when scripts/gpu-check asks: MMKD_TEST_DEVICE (cpu, the
// default, or cuda) and MMKD_TEST_PRECISION (fp32, the default, or bf16: CUDA autocast).
#include <mmkd/cuda_autocast.hpp>

#include <torch/types.h>

#include <string>

namespace mmkd::testing {

torch::Device test_device();
std::string test_precision();  // bf16 only with MMKD_TEST_DEVICE=cuda

// CUDA autocast to bf16 for its lifetime when the test precision is bf16.
class TestAutocast {
 public:
  TestAutocast();
  ~TestAutocast();
  TestAutocast(const TestAutocast&) = delete;
  TestAutocast& operator=(const TestAutocast&) = delete;

 private:
  CudaAutocast before_;
};

// Tolerance of a result computed on the test device in the test precision against an fp32 or
// fp64 reference, element by element: `relative` of the element plus `relative` of the
// reference's largest magnitude (at least 1).
struct DeviceTolerance {
  double relative;
  bool accepts(const torch::Tensor& result, const torch::Tensor& reference) const;
};
DeviceTolerance device_tolerance();  // 1e-4 on the CPU, 1e-3 in CUDA fp32, 3e-2 in bf16

}  // namespace mmkd::testing

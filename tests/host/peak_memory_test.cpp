#include "metrics/device_peak.hpp"
#include "metrics/peak_memory.hpp"

#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <torch/types.h>

using namespace mmkd;

namespace {

TEST(CpuPeakMemory, CountsTheMostCpuTensorBytesHeldAtOnceSinceTheLastRead) {
  PeakMemory memory(torch::kCPU);
  ASSERT_TRUE(memory.measured());
  const int64_t baseline = memory.read_and_reset();
  {
    torch::Tensor a = torch::empty({1 << 18}, torch::kFloat);  // 1 MiB
    { torch::Tensor b = torch::empty({1 << 17}, torch::kFloat); }
    torch::Tensor c = torch::empty({1 << 16}, torch::kFloat);  // b's place: the peak stays at 1.5 MiB
  }
  EXPECT_EQ(memory.read_and_reset() - baseline, (1 << 20) + (1 << 19));
  EXPECT_EQ(memory.read_and_reset(), baseline);  // all freed
  torch::Tensor kept = torch::empty({1 << 10}, torch::kDouble);
  EXPECT_EQ(memory.read_and_reset() - baseline, 1 << 13);
  EXPECT_EQ(memory.read_and_reset() - baseline, 1 << 13);  // still held
}

TEST(CpuPeakMemory, RawAllocationsThroughTheCountingAllocatorStillWork) {
  PeakMemory memory(torch::kCPU);
  const int64_t baseline = memory.read_and_reset();
  c10::Allocator* allocator = c10::GetCPUAllocator();
  void* block = allocator->raw_allocate(4096);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, 4096);
  allocator->raw_deallocate(block);
  EXPECT_EQ(memory.read_and_reset() - baseline, 4096);
  EXPECT_EQ(memory.read_and_reset(), baseline);
}

TEST(DevicePeak, KnownGpusHaveTheirBf16PeakAndFp32NoDefault) {
  EXPECT_EQ(known_peak_tflops("NVIDIA H100 80GB HBM3", "bf16"), 989.4);
  EXPECT_EQ(known_peak_tflops("NVIDIA H100 PCIe", "bf16"), 756.0);
  EXPECT_EQ(known_peak_tflops("NVIDIA H200", "fp16"), 989.4);
  EXPECT_EQ(known_peak_tflops("NVIDIA A100-SXM4-80GB", "bf16"), 312.0);
  EXPECT_EQ(known_peak_tflops("NVIDIA GeForce RTX 4090", "bf16"), 165.2);
  EXPECT_FALSE(known_peak_tflops("NVIDIA H100 80GB HBM3", "fp32").has_value());
  EXPECT_FALSE(known_peak_tflops("Tesla T4", "fp16").has_value());
  EXPECT_EQ(device_name(torch::kCPU), "");
}

}  // namespace

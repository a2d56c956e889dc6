// The CUDA paths on the device of MMKD_TEST_DEVICE (scripts/gpu-check runs these on a GPU; its CPU
// mode runs them on the CPU, where the CUDA-only ones skip).
#include "data/batch_transfer.hpp"
#include "distributed/process_group.hpp"
#include "metrics/peak_memory.hpp"
#include "mmkd_testing.hpp"
#include "optim/mixed_precision.hpp"
#include "test_device.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>

#include <chrono>

using namespace mmkd;
using namespace mmkd::testing;

namespace {

#define SKIP_UNLESS_CUDA() \
  if (!test_device().is_cuda()) GTEST_SKIP() << "CUDA only; MMKD_TEST_DEVICE=cuda runs it"

// Each output of `module` on the test device in fp32 against the same module in fp64 on the CPU,
// where attention takes the exact path (Eq. 19 written out) instead of a fused kernel.
void expect_device_matches_double(const std::shared_ptr<Module>& module, const TensorMap& inputs) {
  torch::NoGradGuard no_grad;
  module->eval();
  const torch::Device device = test_device();
  TensorMap on_device;
  for (const auto& [name, tensor] : inputs) on_device[name] = tensor.to(device);
  module->to(device);
  const TensorMap result = module->forward(on_device);
  module->to(torch::kCPU, torch::kDouble);
  TensorMap in_double;
  for (const auto& [name, tensor] : inputs)
    in_double[name] = tensor.is_floating_point() ? tensor.to(torch::kDouble) : tensor;
  const TensorMap reference = module->forward(in_double);
  for (const auto& [port, exact] : reference) {
    ASSERT_TRUE(result.count(port)) << port;
    const torch::Tensor expected = exact.to(torch::kDouble);
    const torch::Tensor got = result.at(port).to(torch::kCPU, torch::kDouble);
    EXPECT_TRUE(torch::allclose(got, expected, 1e-4, 1e-4)) << port << ": max difference " << max_difference(got, expected);
  }
}

TEST(DeviceAttention, PaddedTextMatchesTheExactPathInDouble) {
  torch::manual_seed(0);
  const auto bert = make<Kind::Encoder>("bert", "{vocab_size: 50, max_len: 16, dim: 32, depth: 2, heads: 4}");
  const torch::Tensor lengths = torch::tensor({12, 9, 5, 1}).unsqueeze(1);
  const torch::Tensor mask = (torch::arange(12).unsqueeze(0) < lengths).to(torch::kLong);
  expect_device_matches_double(bert, {{"ids", torch::randint(0, 50, {4, 12})}, {"mask", mask}});
}

TEST(DeviceAttention, RelativePositionBiasMatchesTheExactPathInDouble) {
  torch::manual_seed(0);
  const auto teacher = make<Kind::Teacher>(
      "vit_teacher", "{image_size: 32, patch_size: 8, dim: 32, depth: 2, heads: 4, qkv_bias: qv, layer_scale: 0.1, "
                     "position: none, relative_position: per_layer}");
  expect_device_matches_double(teacher, {{"image", torch::randn({2, 3, 32, 32})}});
}

TEST(DeviceAutocast, Bf16AndFp16ProductsRunInHalfPrecisionUntilTheGuardEnds) {
  SKIP_UNLESS_CUDA();
  const torch::Tensor a = torch::randn({8, 8}, torch::Device(torch::kCUDA));
  for (const auto& [precision, dtype] : {std::pair{"bf16", torch::kBFloat16}, std::pair{"fp16", torch::kHalf}}) {
    {
      AutocastGuard autocast(test_device(), precision);
      EXPECT_EQ(torch::matmul(a, a).scalar_type(), dtype) << precision;
    }
    EXPECT_EQ(torch::matmul(a, a).scalar_type(), torch::kFloat) << precision;
  }
}

TEST(DeviceLossScaler, Fp16GradientsUnscaleToTheFp32OnesAndAnInfSkipsTheStep) {
  SKIP_UNLESS_CUDA();
  torch::manual_seed(0);
  const torch::Device device = test_device();
  torch::nn::Linear full(16, 4), half(16, 4);
  full->to(device);
  half->to(device);
  {
    torch::NoGradGuard no_grad;
    half->weight.copy_(full->weight);
    half->bias.copy_(full->bias);
  }
  const torch::Tensor x = torch::randn({8, 16}, device);
  full(x).pow(2).mean().backward();
  LossScaler scaler(true);
  {
    AutocastGuard autocast(device, "fp16");
    scaler.scale(half(x).to(torch::kFloat).pow(2).mean()).backward();
  }
  ASSERT_TRUE(scaler.unscale(half->parameters()));
  EXPECT_TRUE(torch::allclose(half->weight.grad(), full->weight.grad(), 1e-2, 1e-3));
  half->weight.mutable_grad()[0][0] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(scaler.unscale(half->parameters()));
}

TEST(DeviceBatchTransfer, CopiesBatchesToTheDeviceInOrderWithTheirValues) {
  const torch::Device device = test_device();
  BatchTransfer transfer(device);
  for (int batch = 0; batch < 3; ++batch) {
    torch::Tensor values = torch::arange(12, torch::kFloat).reshape({3, 4}) + batch;
    transfer.start({{"x", device.is_cuda() ? values.pin_memory() : values}});
    ASSERT_TRUE(transfer.pending());
    const TensorMap moved = transfer.take();
    EXPECT_EQ(moved.at("x").device(), device);
    EXPECT_TRUE(torch::equal(moved.at("x").cpu(), values)) << "batch " << batch;
  }
}

TEST(DevicePeakMemory, CountsA64MiBTensorAndForgetsItOnceRead) {
  const torch::Device device = test_device();
  PeakMemory memory(device);
  ASSERT_TRUE(memory.measured());
  const int64_t baseline = memory.read_and_reset();
  { const torch::Tensor block = torch::empty({16 << 20}, torch::TensorOptions(device)); }
  EXPECT_GE(memory.read_and_reset() - baseline, int64_t{64} << 20);
  EXPECT_LT(memory.read_and_reset() - baseline, int64_t{64} << 20);
}

TEST(DeviceProcessGroup, OneRankReducesAndGathersOnTheDevice) {
  const torch::Device device = test_device();
  DistributedEnv env;
  env.master_port = free_port();
  ProcessGroupCollectives group(env, device, std::chrono::seconds(60));
  torch::Tensor values = torch::arange(4, torch::TensorOptions(device).dtype(torch::kFloat));
  group.all_reduce_sum(values);
  EXPECT_TRUE(torch::equal(values.cpu(), torch::arange(4, torch::kFloat)));
  const std::vector<torch::Tensor> gathered = group.all_gather(values);
  ASSERT_EQ(gathered.size(), 1u);
  EXPECT_TRUE(torch::equal(gathered[0].cpu(), values.cpu()));
}

}  // namespace

#pragma once
// Bottleneck block of timm's ResNet-50 (ResNet-B: the stride sits on the 3x3 convolution),
// with timm's parameter names.
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace mmkd::resnet {

// Convolution without bias, padded to keep the size at stride 1.
torch::nn::Conv2d conv(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride);

class BottleneckImpl : public torch::nn::Module {
 public:
  static constexpr int64_t expansion = 4;
  BottleneckImpl(int64_t in_channels, int64_t width, int64_t stride);

  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};  // 1x1 conv and BN, when stride or channels change
};
TORCH_MODULE(Bottleneck);

}  // namespace mmkd::resnet

#pragma once
// Teacher `resnet50_teacher`: the supervised ResNet-50 of the thesis (timm resnet50.a1_in1k),
// ImageNet logits and pooled features, loaded from timm's safetensors.
#include "bottleneck.hpp"

#include <mmkd/mmkd.hpp>
#include <mmkd/kit/teacher_input.hpp>

namespace mmkd::resnet {

class ResNet50Teacher : public Teacher {
 public:
  static ComponentInfo info();
  ResNet50Teacher(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;
  CheckpointLayout export_layout() const override;

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::vector<torch::nn::Sequential> layers;  // layer1 .. layer4
  torch::nn::Linear fc{nullptr};

 private:
  TeacherInput input_;
};

}  // namespace mmkd::resnet

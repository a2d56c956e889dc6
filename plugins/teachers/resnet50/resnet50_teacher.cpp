#include "resnet50_teacher.hpp"

namespace mmkd::resnet {

ComponentInfo ResNet50Teacher::info() {
  ComponentInfo info("resnet50_teacher",
                     "Supervised ResNet-50 (timm resnet50.a1_in1k, ResNet-B): ImageNet logits and the pooled "
                     "features before the classifier, frozen; loads timm's safetensors.");
  info.option<std::vector<int64_t>>("stage_blocks", {3, 4, 6, 3}, "Bottleneck blocks of layer1 .. layer4", at_least(1))
      .option<int64_t>("width", 64,
                       "channels of the stem and of layer1's 3x3 convolutions; layer i has width * 2^(i-1) and "
                       "puts out 4 times that",
                       positive())
      .option<int64_t>("num_classes", 1000, "outputs of the classifier `fc`", positive());
  CheckpointOptions::declare(info, {"timm"}, /*with_layers=*/false);
  TeacherInput::declare(info, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225});
  info.input("image", "float [B, 3, H, W], normalised with input_mean and input_std", "batch.image")
      .output("logits", "[B, num_classes] float32")
      .output("features", "[B, 32 * width] float32: global average pool of layer4 (2048 at width 64)");
  return info;
}

ResNet50Teacher::ResNet50Teacher(const Options& options, const Context& context)
    : input_(TeacherInput::read(options)) {
  const auto stage_blocks = options.get<std::vector<int64_t>>("stage_blocks");
  if (stage_blocks.size() != 4)
    options.fail("stage_blocks", c10::str("expected 4 stages (layer1 .. layer4), got ", stage_blocks.size()));
  const int64_t width = options.get<int64_t>("width");
  conv1 = register_module("conv1", conv(3, width, 7, 2));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(width));
  int64_t channels = width;
  for (size_t stage = 0; stage < stage_blocks.size(); ++stage) {
    const int64_t stage_width = width << stage;
    torch::nn::Sequential layer;
    for (int64_t block = 0; block < stage_blocks[stage]; ++block) {
      layer->push_back(Bottleneck(channels, stage_width, block == 0 && stage > 0 ? 2 : 1));
      channels = stage_width * BottleneckImpl::expansion;
    }
    layers.push_back(register_module("layer" + std::to_string(stage + 1), layer));
  }
  fc = register_module("fc", torch::nn::Linear(channels, options.get<int64_t>("num_classes")));
  CheckpointOptions::read(options, context).load_into(*this, export_layout());
  input_.apply_precision(*this);
  eval();
}

CheckpointLayout ResNet50Teacher::export_layout() const {
  CheckpointLayout layout;
  layout.format = "timm";
  layout.bind_same(*this, "");
  return layout;
}

TensorMap ResNet50Teacher::forward(const TensorMap& inputs) {
  torch::NoGradGuard no_grad;
  const torch::Tensor& image = require(inputs, "image");
  if (image.dim() != 4 || image.size(1) != 3)
    throw Error(c10::str("resnet50_teacher: `image` must be [B, 3, H, W], got ", image.sizes()));
  torch::Tensor x = torch::relu(bn1(conv1(input_.prepare(image))));
  x = torch::max_pool2d(x, 3, 2, 1);
  for (auto& layer : layers) x = layer->forward(x);
  torch::Tensor features = x.mean({2, 3});
  return {{"logits", TeacherInput::output(fc(features))}, {"features", TeacherInput::output(features)}};
}

}  // namespace mmkd::resnet

#include "vit_teacher.hpp"

namespace mmkd::transformer {

ComponentInfo VitTeacher::info() {
  ComponentInfo info("vit_teacher", "Frozen Vision Transformer teacher (BEiT v2, Data2Vec2, DINO-style ViTs) from a "
                                    "timm or Hugging Face checkpoint: CLS, patch tokens and every layer's output.");
  VisionTransformer::declare(info);
  TeacherInput::declare(info, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225});
  info.set_default("output_layers", true);
  return info;
}

VitTeacher::VitTeacher(const Options& options, const Context& context) : input_(TeacherInput::read(options)) {
  vit = register_module("vit", std::make_shared<VisionTransformer>(options, context));
  for (auto& p : parameters()) p.set_requires_grad(false);
  input_.apply_precision(*this);
  eval();
}

TensorMap VitTeacher::forward(const TensorMap& inputs) {
  torch::NoGradGuard no_grad;
  TensorMap out = vit->forward({{"image", input_.prepare(require(inputs, "image"))}});
  for (auto& [port, tensor] : out) tensor = TeacherInput::output(tensor);
  return out;
}

}  // namespace mmkd::transformer

#pragma once
// Teacher `vit_teacher`: a frozen Vision Transformer (BEiT v2, Data2Vec2, DINO-style ViTs) run
// in inference, returning CLS, patch tokens and every layer's output.
#include <mmkd_transformer/vit.hpp>

#include <mmkd/mmkd.hpp>
#include <mmkd/kit/teacher_input.hpp>

namespace mmkd::transformer {

class VitTeacher : public Teacher {
 public:
  static ComponentInfo info();
  VitTeacher(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  std::shared_ptr<VisionTransformer> vit;

 private:
  TeacherInput input_;
};

}  // namespace mmkd::transformer

#include "kl_divergence.hpp"

#include "distillation_math.hpp"

#include <string>

namespace mmkd::distillation {

ComponentInfo KlDivergence::info() {
  return ComponentInfo("kl_divergence",
                       "KL divergence from the teacher's softmax distribution to the student's, per sample "
                       "averaged over the batch; 1/2 image + 1/2 text when text is connected (thesis Eq. 45-46)")
      .option<double>("temperature", 1.0, "divides teacher and student logits before the softmax (Eq. 8-9)",
                      positive())
      .option<bool>("scale_by_temperature_squared", false,
                    "multiply the loss by temperature^2 as Hinton et al. do to keep gradient magnitudes "
                    "comparable across temperatures (the thesis' Eq. 2, 8-9 do not)")
      .input("teacher", "[B, C] teacher logits for the image; a target: no gradient flows into it")
      .input("image", "[B, C] student logits for the image")
      .optional_input("text", "[B, C] student logits for the image's caption")
      .output("image_kl", "KL divergence of the image part (before the temperature^2 scale)")
      .optional_output("text_kl", "KL divergence of the text part (before the temperature^2 scale); only with text")
      .output("image_agreement", "fraction of samples whose image argmax equals the teacher's argmax")
      .optional_output("text_agreement", "fraction of samples whose text argmax equals the teacher's argmax; only with text");
}

KlDivergence::KlDivergence(const Options& options, const Context& /*context*/)
    : temperature_(options.get<double>("temperature")),
      scale_by_temperature_squared_(options.get<bool>("scale_by_temperature_squared")) {}

namespace {

void check_logits(const torch::Tensor& teacher, const std::string& port, const torch::Tensor& student) {
  if (teacher.dim() != 2)
    throw Error(c10::str("kl_divergence: `teacher` must be [B, C] logits, got ", teacher.sizes()));
  if (student.sizes() != teacher.sizes())
    throw Error(c10::str("kl_divergence: `", port, "` must have the shape of `teacher` ", teacher.sizes(),
                         " ([B, C]), got ", student.sizes()));
}

}  // namespace

LossOutput KlDivergence::compute(const TensorMap& inputs) {
  const torch::Tensor teacher = require(inputs, "teacher").detach();
  const torch::Tensor& image = require(inputs, "image");
  check_logits(teacher, "image", image);
  const torch::Tensor text = optional(inputs, "text");
  if (text.defined()) check_logits(teacher, "text", text);

  const torch::Tensor teacher_classes = teacher.argmax(1);
  LossOutput out;
  const torch::Tensor image_kl = kl_divergence(teacher, image, temperature_);
  out.metrics["image_kl"] = image_kl.detach();
  out.metrics["image_agreement"] = top1_accuracy(image, teacher_classes);
  out.loss = image_kl;
  if (text.defined()) {
    const torch::Tensor text_kl = kl_divergence(teacher, text, temperature_);
    out.metrics["text_kl"] = text_kl.detach();
    out.metrics["text_agreement"] = top1_accuracy(text, teacher_classes);
    out.loss = (image_kl + text_kl) / 2;  // Eq. 46
  }
  if (scale_by_temperature_squared_) out.loss = out.loss * (temperature_ * temperature_);
  return out;
}

}  // namespace mmkd::distillation

#include "mse.hpp"

#include "distillation_math.hpp"

#include <string>

namespace mmkd::distillation {

ComponentInfo Mse::info() {
  return ComponentInfo("mse",
                       "mean squared error of student representations against the teacher's, averaged over "
                       "dimensions, tokens and samples; 1/2 image + 1/2 text when text is connected (thesis "
                       "Eq. 1, 54-57, 78)")
      .input("teacher", "[B, D] teacher representations (e.g. its [I_CLS]) or [B, T, D] sequences; a target: "
                        "no gradient flows into it")
      .input("image", "student image representations, shaped like `teacher`")
      .optional_input("text", "student caption representations (e.g. its [T_CLS]), shaped like `teacher`")
      .output("image_mse", "mean squared error of the image part")
      .optional_output("text_mse", "mean squared error of the text part; only with text");
}

Mse::Mse(const Options& /*options*/, const Context& /*context*/) {}

namespace {

void check_representations(const torch::Tensor& teacher, const std::string& port, const torch::Tensor& student) {
  if (teacher.dim() != 2 && teacher.dim() != 3)
    throw Error(c10::str("mse: `teacher` must be [B, D] or [B, T, D], got ", teacher.sizes()));
  if (student.sizes() != teacher.sizes())
    throw Error(c10::str("mse: `", port, "` must have the shape of `teacher` ", teacher.sizes(), ", got ",
                         student.sizes()));
}

}  // namespace

LossOutput Mse::compute(const TensorMap& inputs) {
  const torch::Tensor teacher = require(inputs, "teacher").detach();
  const torch::Tensor& image = require(inputs, "image");
  check_representations(teacher, "image", image);
  const torch::Tensor text = optional(inputs, "text");
  if (text.defined()) check_representations(teacher, "text", text);

  LossOutput out;
  const torch::Tensor image_mse = mean_squared_error(teacher, image);  // Eq. 54
  out.metrics["image_mse"] = image_mse.detach();
  out.loss = image_mse;
  if (text.defined()) {
    const torch::Tensor text_mse = mean_squared_error(teacher, text);  // Eq. 55
    out.metrics["text_mse"] = text_mse.detach();
    out.loss = (image_mse + text_mse) / 2;  // Eq. 57
  }
  return out;
}

}  // namespace mmkd::distillation

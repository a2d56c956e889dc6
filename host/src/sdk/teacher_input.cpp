#include <mmkd/component.hpp>
#include <mmkd/kit/teacher_input.hpp>

#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>

namespace mmkd {

void TeacherInput::declare(ComponentInfo& info, const std::vector<double>& mean, const std::vector<double>& std) {
  info.option<std::vector<double>>("input_mean", std::vector<double>{0.0}, "per-channel mean the batch images were normalised with")
      .option<std::vector<double>>("input_std", std::vector<double>{1.0}, "per-channel std the batch images were normalised with",
                                   positive())
      .option<std::vector<double>>("mean", mean, "per-channel mean the teacher expects")
      .option<std::vector<double>>("std", std, "per-channel std the teacher expects", positive())
      .option<std::string>("precision", "fp32", "fp32, or bf16: weights and activations in bfloat16",
                           one_of({"fp32", "bf16"}));
}

TeacherInput TeacherInput::read(const Options& options) {
  TeacherInput t;
  for (auto [name, list] : {std::pair{"input_mean", &t.input_mean}, {"input_std", &t.input_std}, {"mean", &t.mean},
                            {"std", &t.std}}) {
    *list = options.get<std::vector<double>>(name);
    if (list->size() != 1 && list->size() != 3)
      options.fail(name, fmt::format("expected 1 or 3 values (per channel), got {}", list->size()));
  }
  t.dtype = options.get<std::string>("precision") == "bf16" ? torch::kBFloat16 : torch::kFloat;
  return t;
}

namespace {
torch::Tensor per_channel(const std::vector<double>& values, const torch::Tensor& like) {
  return torch::tensor(values, like.options()).reshape({1, -1, 1, 1});
}
}  // namespace

void TeacherInput::apply_precision(torch::nn::Module& module) const {
  torch::NoGradGuard no_grad;
  for (auto tensor : module.parameters())
    if (tensor.is_floating_point()) tensor.set_data(tensor.to(dtype));
  for (auto tensor : module.buffers())
    if (tensor.is_floating_point()) tensor.set_data(tensor.to(dtype));
}

torch::Tensor TeacherInput::prepare(const torch::Tensor& image) const {
  torch::Tensor x = image.to(torch::kFloat);
  x = (x * per_channel(input_std, x) + per_channel(input_mean, x) - per_channel(mean, x)) / per_channel(std, x);
  return x.to(dtype);
}

}  // namespace mmkd

#pragma once
// Teacher `torchscript_teacher`: any module exported from Python with torch.jit.trace or
// torch.jit.script, run frozen and in eval mode.
#include <mmkd/mmkd.hpp>
#include <mmkd/kit/teacher_input.hpp>
#include <torch/script.h>

namespace mmkd::torchscript {

class TorchScriptTeacher : public Teacher {
 public:
  static ComponentInfo info();
  TorchScriptTeacher(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;
  void train(bool on = true) override;

 private:
  torch::Tensor prepare(const std::string& port, const torch::Tensor& tensor) const;

  torch::jit::Module module_;
  std::vector<std::string> arguments_, outputs_;  // input ports in forward's order; output names
  TeacherInput input_;
};

}  // namespace mmkd::torchscript

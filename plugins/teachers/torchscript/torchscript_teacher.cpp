#include "torchscript_teacher.hpp"

#include "script_outputs.hpp"
#include "script_state.hpp"

#include <mmkd/config_path.hpp>

#include <filesystem>

namespace mmkd::torchscript {

ComponentInfo TorchScriptTeacher::info() {
  ComponentInfo info("torchscript_teacher",
                     "Any module exported from Python with torch.jit.trace or torch.jit.script, frozen and in eval "
                     "mode; its results become named outputs.");
  info.required_option<std::string>("path", "the TorchScript file (torch.jit.save), relative to the experiment file")
      .option<std::vector<std::string>>("arguments", {"image"},
                                        "input ports passed to forward, in order; `image` is renormalised with "
                                        "input_mean/input_std/mean/std",
                                        one_of({"image", "ids", "mask"}))
      .option<std::vector<std::string>>("outputs", {"output"},
                                        "names of the results: one for a Tensor, one per element of a tuple or list, "
                                        "the keys to keep of a Dict[str, Tensor]");
  TeacherInput::declare(info, {0.0}, {1.0});
  info.input("image", "float [B, C, H, W], normalised with input_mean and input_std", "batch.image")
      .optional_input("ids", "int64 token ids [B, T]")
      .optional_input("mask", "attention mask [B, T]")
      .outputs_from([](const Options& options) {
        std::vector<Port> ports;
        for (const auto& name : options.get<std::vector<std::string>>("outputs"))
          ports.push_back({name, "float32 result `" + name + "` of the module"});
        return ports;
      });
  return info;
}

namespace {

torch::jit::Module load_script(const Options& options, const Context& context) {
  const std::filesystem::path path = config_path(options.get<std::string>("path"), context);
  if (!std::filesystem::exists(path)) options.fail("path", "no such file: " + path.string());
  try {
    return torch::jit::load(path.string(), torch::kCPU);
  } catch (const c10::Error& e) {
    options.fail("path", "cannot load TorchScript module " + path.string() + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    options.fail("path", "cannot load TorchScript module " + path.string() + ": " + e.what());
  }
}

}  // namespace

TorchScriptTeacher::TorchScriptTeacher(const Options& options, const Context& context)
    : module_(load_script(options, context)),
      arguments_(options.get<std::vector<std::string>>("arguments")),
      outputs_(options.get<std::vector<std::string>>("outputs")),
      input_(TeacherInput::read(options)) {
  if (outputs_.empty()) options.fail("outputs", "needs at least one name");
  share_state(module_, *this);
  input_.apply_precision(*this);
  eval();
}

void TorchScriptTeacher::train(bool on) {
  Teacher::train(on);
  module_.train(on);
}

torch::Tensor TorchScriptTeacher::prepare(const std::string& port, const torch::Tensor& tensor) const {
  if (port == "image") return input_.prepare(tensor);
  return tensor.is_floating_point() ? tensor.to(input_.dtype) : tensor;
}

TensorMap TorchScriptTeacher::forward(const TensorMap& inputs) {
  torch::NoGradGuard no_grad;
  std::vector<c10::IValue> arguments;
  for (const auto& port : arguments_) arguments.emplace_back(prepare(port, require(inputs, port)));
  TensorMap outputs = named_outputs(module_.forward(arguments), outputs_);
  for (auto& [name, tensor] : outputs) tensor = TeacherInput::output(tensor);
  return outputs;
}

}  // namespace mmkd::torchscript

#include "script_state.hpp"

namespace mmkd::torchscript {

void share_state(const torch::jit::Module& source, torch::nn::Module& target) {
  for (const auto& item : source.named_parameters(/*recurse=*/false))
    if (item.value.defined()) target.register_parameter(item.name, item.value, /*requires_grad=*/false);
  for (const auto& item : source.named_buffers(/*recurse=*/false))
    if (item.value.defined()) target.register_buffer(item.name, item.value);
  for (const auto& child : source.named_children()) {
    auto mirror = std::make_shared<torch::nn::Module>();
    share_state(child.value, *mirror);
    target.register_module(child.name, mirror);
  }
}

}  // namespace mmkd::torchscript

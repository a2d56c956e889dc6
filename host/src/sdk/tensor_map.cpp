#include <mmkd/error.hpp>
#include <mmkd/tensor_map.hpp>

namespace mmkd {

const torch::Tensor& require(const TensorMap& tensors, const std::string& name) {
  auto it = tensors.find(name);
  if (it != tensors.end()) return it->second;
  std::string present;
  for (const auto& [key, _] : tensors) present += (present.empty() ? "" : ", ") + key;
  throw Error("tensor `" + name + "` is missing; present: " + (present.empty() ? "none" : present));
}

torch::Tensor optional(const TensorMap& tensors, const std::string& name) {
  auto it = tensors.find(name);
  return it == tensors.end() ? torch::Tensor() : it->second;
}

}  // namespace mmkd

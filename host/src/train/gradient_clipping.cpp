#include "train/gradient_clipping.hpp"

#include <torch/torch.h>

namespace mmkd {

torch::Tensor clip_gradient_norm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> grads, norms;
  for (const auto& parameter : parameters)
    if (parameter.grad().defined()) grads.push_back(parameter.grad());
  if (grads.empty()) return torch::zeros({});
  for (const auto& grad : grads) norms.push_back(grad.norm(2));
  const torch::Tensor total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  const torch::Tensor coefficient = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  torch::NoGradGuard no_grad;
  for (auto& grad : grads) grad.mul_(coefficient);
  return total;
}

}  // namespace mmkd

#include "optim/gradient_clipping.hpp"

#include <mmkd/version.hpp>

#include <ATen/ops/_foreach_norm.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd {

torch::Tensor clip_gradient_norm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> grads;
  for (const auto& parameter : parameters)
    if (parameter.grad().defined()) grads.push_back(parameter.grad());
  if (grads.empty()) return torch::zeros({});
  const std::vector<torch::Tensor> norms = at::_foreach_norm(grads, 2);
  const torch::Tensor total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  const torch::Tensor coefficient = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  torch::NoGradGuard no_grad;
#if MMKD_TORCH_AT_LEAST(2, 1)
  at::_foreach_mul_(grads, coefficient);
#else
  for (auto& grad : grads) grad.mul_(coefficient);
#endif
  return total;
}

}  // namespace mmkd

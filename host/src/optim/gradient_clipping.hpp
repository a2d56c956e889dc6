#pragma once
// Global gradient-norm clipping as torch::nn::utils::clip_grad_norm_ does it, but returning
// the norm as a device tensor: the step does not wait for the device to report it.
#include <torch/types.h>

#include <vector>

namespace mmkd {

// Scales every gradient by min(1, max_norm / (norm + 1e-6)), norm the L2 norm of all of them;
// returns that norm (before clipping), a 0-d tensor (0 when no parameter has a gradient).
torch::Tensor clip_gradient_norm(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace mmkd

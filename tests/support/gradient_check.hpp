#pragma once
// Test helper: autograd's gradients against finite differences.
#include <torch/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mmkd::testing {

using NamedLeaves = std::vector<std::pair<std::string, torch::Tensor>>;

// Expects autograd's d f / d leaf to equal numeric_gradient(f, leaf) within rtol and atol for
// every (double) leaf, and to be well above atol somewhere (a gradient below atol would match
// anything); the messages name the leaf. Returns autograd's gradients in the order of `leaves`.
std::vector<torch::Tensor> expect_gradients_match_finite_differences(const std::function<torch::Tensor()>& f,
                                                                     const NamedLeaves& leaves, double rtol = 1e-5,
                                                                     double atol = 1e-8);

}  // namespace mmkd::testing

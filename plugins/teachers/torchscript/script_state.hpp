#pragma once
// A TorchScript module's parameters and buffers registered, as the same tensors, on a
// torch::nn::Module tree of the same names, so that the host's `to(device)`, `parameters()`
// and freezing reach the script module.
#include <torch/script.h>
#include <torch/nn/module.h>
#include <torch/types.h>

namespace mmkd::torchscript {

// Registers every tensor of `source` on `target` (parameters frozen), submodules as children.
void share_state(const torch::jit::Module& source, torch::nn::Module& target);

}  // namespace mmkd::torchscript

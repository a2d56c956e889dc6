#pragma once
// Test helpers for a component's saved state: its parameters and buffers, copied into another
// instance the way a checkpoint restore does, or kept as a snapshot to compare with later.
#include <torch/nn/module.h>

#include <map>
#include <string>

namespace mmkd::testing {

// Copies every parameter of `from` into the parameter of the same name in `to`.
void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to);

// Copies every parameter and buffer of `from` into the one of the same name in `to`.
void copy_state(const torch::nn::Module& from, torch::nn::Module& to);

// Draws every parameter of `module` from N(0, scale^2), LayerNorm weights included, so that no
// term of a reference computation is trivially 0 or 1.
void randomize_parameters(torch::nn::Module& module, double scale = 0.5);

// A copy of every buffer of `module`, by name.
std::map<std::string, torch::Tensor> buffer_values(const torch::nn::Module& module);

// Expects every buffer of `module` to equal its value in `expected` exactly.
void expect_buffers_equal(const torch::nn::Module& module, const std::map<std::string, torch::Tensor>& expected);

}  // namespace mmkd::testing

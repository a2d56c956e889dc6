#pragma once
// Activation checkpointing: run a block without keeping its activations, and run it again in
// the backward pass to get its gradients, trading compute for memory.
#include <torch/types.h>

#include <functional>
#include <vector>

namespace mmkd::transformer {

using BlockFn = std::function<torch::Tensor(const torch::Tensor&)>;

// fn(x), whose gradients with respect to x and `parameters` (what fn reads besides x) are
// computed by running fn again, with the random state (dropout) and autocast state of the first run.
torch::Tensor checkpointed(const BlockFn& fn, const torch::Tensor& x, const std::vector<torch::Tensor>& parameters);

}  // namespace mmkd::transformer

#pragma once
// FLOPs of a training step, estimated as Kaplan et al. do: 2 x matrix parameters x tokens for
// a forward pass, 3 times that for a trained node (forward and backward); attention scores
// and elementwise work are left out. Tokens of a node: B x T of its largest output [B, T, D]
// (B for [B, D] outputs; stacked layers [L, B, T, D] are not counted again).
#include "graph/graph.hpp"

namespace mmkd {

// From the tensors of one micro-batch after the model ran.
double estimate_step_flops(const Graph& graph, const TensorMap& tensors);

}  // namespace mmkd

#include "metrics/flop_estimate.hpp"

#include <algorithm>

namespace mmkd {

double estimate_step_flops(const Graph& graph, const TensorMap& tensors) {
  double flops = 0;
  for (const auto& node : graph.node_costs()) {
    int64_t tokens = 0;
    for (const auto& name : node.outputs) {
      auto it = tensors.find(name);
      if (it == tensors.end() || !it->second.defined()) continue;
      const torch::Tensor& t = it->second;
      if (t.dim() == 3) tokens = std::max(tokens, t.size(0) * t.size(1));
      if (t.dim() == 2) tokens = std::max(tokens, t.size(0));
    }
    flops += (node.trained ? 6.0 : 2.0) * static_cast<double>(node.matrix_parameters) * static_cast<double>(tokens);
  }
  return flops;
}

}  // namespace mmkd

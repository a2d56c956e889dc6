#pragma once
// The inexact proximal point method for optimal transport (CODIS Algorithm 2, IPOT of Xie et
// al.), as a function of tensors. The plan carries no gradient: callers use it as a constant.
#include <torch/types.h>

namespace mmkd::codebook_ot {

struct IpotSettings {
  double epsilon = 0.5;            // beta of the proximal term: A = exp(-D / epsilon)
  int64_t outer_iterations = 50;   // proximal steps t
  int64_t inner_iterations = 1;    // Sinkhorn scaling steps k per proximal step
};

// Algorithm 2: the plan T [N, K] >= 0 with T 1 = row_marginal [N] and T^T 1 = column_marginal [K]
// that approximately minimises <T, cost> for cost [N, K]. Computed in at least float32, detached.
torch::Tensor ipot_plan(const torch::Tensor& cost, const torch::Tensor& row_marginal,
                        const torch::Tensor& column_marginal, const IpotSettings& settings);

// A uniform marginal of Eq. 1 (1/N or 1/K), in double on `device`; ipot_plan casts it.
torch::Tensor uniform_marginal(int64_t size, torch::Device device);

}  // namespace mmkd::codebook_ot

#include "ipot.hpp"

#include <mmkd/loss_math.hpp>

#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd::codebook_ot {

torch::Tensor ipot_plan(const torch::Tensor& cost, const torch::Tensor& row_marginal,
                        const torch::Tensor& column_marginal, const IpotSettings& settings) {
  torch::NoGradGuard no_grad;
  const torch::Tensor D = at_least_fp32(cost.detach());
  const torch::Tensor mu = row_marginal.detach().to(D.dtype()).unsqueeze(1);
  const torch::Tensor nu = column_marginal.detach().to(D.dtype()).unsqueeze(1);
  // Alg. 2 line 3; each row of D is shifted to start at 0 (same iterates, no underflow of a whole row).
  const torch::Tensor A = torch::exp(-(D - D.amin(1, true)) / settings.epsilon);
  torch::Tensor sigma = torch::full_like(nu, 1.0 / D.size(1));     // Alg. 2 line 2
  torch::Tensor delta = torch::ones_like(mu);
  torch::Tensor T = torch::ones_like(D), Q = torch::empty_like(D);
  for (int64_t t = 0; t < settings.outer_iterations; ++t) {
    torch::mul_out(Q, A, T);                                       // Alg. 2 line 5
    for (int64_t k = 0; k < settings.inner_iterations; ++k) {
      delta = mu / Q.matmul(sigma);                                // Alg. 2 line 7
      sigma = nu / Q.t().matmul(delta);
    }
    torch::mul_out(T, Q, delta).mul_(sigma.t());                   // Alg. 2 line 9
  }
  return T;
}

torch::Tensor uniform_marginal(int64_t size, torch::Device device) {
  return torch::full({size}, 1.0 / size, torch::TensorOptions(torch::kDouble).device(device));
}

}  // namespace mmkd::codebook_ot

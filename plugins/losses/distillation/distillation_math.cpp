#include "distillation_math.hpp"

#include <mmkd/loss_math.hpp>

#include <torch/types.h>

namespace mmkd::distillation {

torch::Tensor kl_divergence(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits,
                            double temperature) {
  const torch::Tensor log_p = log_softmax_fp32(at_least_fp32(teacher_logits) / temperature, 1);  // Eq. 8
  const torch::Tensor log_q = log_softmax_fp32(at_least_fp32(student_logits) / temperature, 1);  // Eq. 9
  return (log_p.exp() * (log_p - log_q)).sum(1).mean();  // Eq. 2
}

torch::Tensor mean_squared_error(const torch::Tensor& target, const torch::Tensor& prediction) {
  return (at_least_fp32(prediction) - at_least_fp32(target)).pow(2).mean();  // Eq. 1
}

torch::Tensor instance_norm_over_time(const torch::Tensor& sequences, double eps) {
  const torch::Tensor h = at_least_fp32(sequences);
  const torch::Tensor centered = h - h.mean(-2, /*keepdim=*/true);
  const torch::Tensor variance = centered.pow(2).mean(-2, /*keepdim=*/true);
  return centered / (variance + eps).sqrt();  // Eq. 36
}

torch::Tensor layer_averaged_representation(const torch::Tensor& layers, double instance_norm_eps,
                                            std::optional<double> layer_norm_eps) {
  const torch::Tensor averaged = instance_norm_over_time(layers, instance_norm_eps).mean(0);  // Eq. 38-39
  if (!layer_norm_eps) return averaged;
  return torch::layer_norm(averaged, {averaged.size(-1)}, {}, {}, *layer_norm_eps);  // Eq. 40
}

}  // namespace mmkd::distillation

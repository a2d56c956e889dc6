#include "contrastive_math.hpp"

#include <mmkd/loss_math.hpp>

namespace mmkd::contrastive {

torch::Tensor similarity_logits(const torch::Tensor& queries, const torch::Tensor& keys,
                                const torch::Tensor& logit_scale) {
  return unit_key_logits(queries, l2_normalize(keys), logit_scale);  // Eq. 22-26
}

torch::Tensor unit_key_logits(const torch::Tensor& queries, const torch::Tensor& unit_keys,
                              const torch::Tensor& logit_scale) {
  return (logit_scale * l2_normalize(queries)).matmul(unit_keys.t());
}

TwoSidedLoss two_sided_cross_entropy(const torch::Tensor& first_logits, const torch::Tensor& second_logits,
                                     const torch::Tensor& labels) {
  TwoSidedLoss out;
  out.first = cross_entropy_fp32(first_logits, labels);    // Eq. 27
  out.second = cross_entropy_fp32(second_logits, labels);  // Eq. 28
  out.loss = (out.first + out.second) / 2;                 // Eq. 29
  return out;
}

}  // namespace mmkd::contrastive

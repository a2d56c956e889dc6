#include "clip_contrastive_loss.hpp"

#include <mmkd/loss_math.hpp>

namespace mmkd::clip_contrastive {

ClipLogits clip_logits(const torch::Tensor& image_features, const torch::Tensor& text_features,
                       const torch::Tensor& logit_scale) {
  const torch::Tensor L = logit_scale * cosine_similarity_matrix(image_features, text_features);  // Eq. 22-26
  return {L, L.t()};
}

torch::Tensor clip_contrastive_loss(const ClipLogits& logits, const torch::Tensor& labels) {
  const torch::Tensor loss_i2t = cross_entropy_fp32(logits.per_image, labels);  // Eq. 27
  const torch::Tensor loss_t2i = cross_entropy_fp32(logits.per_text, labels);   // Eq. 28
  return (loss_i2t + loss_t2i) / 2;                                             // Eq. 29
}

}  // namespace mmkd::clip_contrastive

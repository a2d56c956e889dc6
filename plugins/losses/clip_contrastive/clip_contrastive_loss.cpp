#include "clip_contrastive_loss.hpp"

namespace mmkd::clip_contrastive {

namespace F = torch::nn::functional;

ClipLogits clip_logits(const torch::Tensor& image_features, const torch::Tensor& text_features,
                       const torch::Tensor& logit_scale) {
  const torch::Tensor I = F::normalize(image_features, F::NormalizeFuncOptions().dim(-1));  // Eq. 23-24
  const torch::Tensor T = F::normalize(text_features, F::NormalizeFuncOptions().dim(-1));   // Eq. 23, 25
  const torch::Tensor L = logit_scale * I.matmul(T.t());                                    // Eq. 22, 26
  return {L, L.t()};
}

torch::Tensor clip_contrastive_loss(const ClipLogits& logits, const torch::Tensor& labels) {
  const torch::Tensor loss_i2t = F::cross_entropy(logits.per_image, labels);  // Eq. 27
  const torch::Tensor loss_t2i = F::cross_entropy(logits.per_text, labels);   // Eq. 28
  return (loss_i2t + loss_t2i) / 2;                                           // Eq. 29
}

torch::Tensor top1_accuracy(const torch::Tensor& logits, const torch::Tensor& labels) {
  return (logits.argmax(1) == labels).to(torch::kFloat).mean();
}

}  // namespace mmkd::clip_contrastive

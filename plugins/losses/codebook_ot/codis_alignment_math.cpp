#include "codis_alignment_math.hpp"

#include <mmkd/loss_math.hpp>

#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd::codebook_ot {

torch::Tensor distillation_targets(const torch::Tensor& teacher_query, const torch::Tensor& candidates,
                                   const torch::Tensor& positives, const torch::Tensor& temperature, double alpha) {
  torch::NoGradGuard no_grad;
  const torch::Tensor teacher = softmax_fp32(cosine_similarity_matrix(teacher_query, candidates) / temperature, 1);
  const torch::Tensor one_hot = torch::zeros_like(teacher).scatter_(1, positives.unsqueeze(1), 1.0);
  return alpha * teacher + (1 - alpha) * one_hot;
}

AlignmentTerm alignment_term(const torch::Tensor& query, const torch::Tensor& teacher_query,
                             const torch::Tensor& candidates, const torch::Tensor& positives,
                             const torch::Tensor& temperature, double alpha) {
  AlignmentTerm term;
  term.logits = cosine_similarity_matrix(query, candidates) / temperature;  // Eq. 4
  term.loss = soft_cross_entropy_fp32(
      term.logits, distillation_targets(teacher_query, candidates, positives, temperature, alpha));  // Eq. 5
  return term;
}

IcaTerms ica_terms(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& image_momentum,
                   const torch::Tensor& text_momentum, const torch::Tensor& image_candidates,
                   const torch::Tensor& text_candidates, const torch::Tensor& positives,
                   const torch::Tensor& temperature, double alpha) {
  return {alignment_term(image, image_momentum, text_candidates, positives, temperature, alpha),    // p_i2t
          alignment_term(text, text_momentum, image_candidates, positives, temperature, alpha),     // p_t2i
          alignment_term(image, image_momentum, image_candidates, positives, temperature, alpha),   // p_i2i
          alignment_term(text, text_momentum, text_candidates, positives, temperature, alpha)};     // p_t2t
}

}  // namespace mmkd::codebook_ot

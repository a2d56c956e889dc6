#pragma once
// CODIS intra- and cross-modal alignment (Eq. 4-5) as functions of tensors. Queries are this
// process' student rows; candidates are momentum-teacher rows (the batch of all processes,
// then the queue); all similarities are cosines.
#include <torch/types.h>

namespace mmkd::codebook_ot {

// The soft target y of Eq. 5: alpha * SoftMax(cos(teacher_query, candidates) / temperature)
// + (1 - alpha) * one-hot(positives), [B, M], without gradient.
torch::Tensor distillation_targets(const torch::Tensor& teacher_query, const torch::Tensor& candidates,
                                   const torch::Tensor& positives, const torch::Tensor& temperature, double alpha);

struct AlignmentTerm {
  torch::Tensor loss;    // H(p, y), mean over the B queries
  torch::Tensor logits;  // cos(query, candidates) / temperature, [B, M]
};

// One term of Eq. 5: p from Eq. 4 for query [B, D] over candidates [M, D]; y from
// teacher_query [B, D]; positives [B]: the candidate row paired with each query.
AlignmentTerm alignment_term(const torch::Tensor& query, const torch::Tensor& teacher_query,
                             const torch::Tensor& candidates, const torch::Tensor& positives,
                             const torch::Tensor& temperature, double alpha);

struct IcaTerms {
  AlignmentTerm i2t, t2i, i2i, t2t;
};

// The four terms of Eq. 5. image_candidates / text_candidates [M, D]: momentum rows of images /
// texts (Q_v / Q_t with the current batch first).
IcaTerms ica_terms(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& image_momentum,
                   const torch::Tensor& text_momentum, const torch::Tensor& image_candidates,
                   const torch::Tensor& text_candidates, const torch::Tensor& positives,
                   const torch::Tensor& temperature, double alpha);

}  // namespace mmkd::codebook_ot

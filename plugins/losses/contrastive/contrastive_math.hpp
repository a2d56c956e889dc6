#pragma once
// Contrastive losses as functions of tensors (thesis Eq. 22-29). Rows of the logits are this
// process' queries; columns are keys: the batch gathered from every rank, then any memory bank.
#include <torch/types.h>

namespace mmkd::contrastive {

// Eq. 22-26: logit_scale * cos(query_i, key_j) for queries [N, D] and keys [M, D]: [N, M].
torch::Tensor similarity_logits(const torch::Tensor& queries, const torch::Tensor& keys,
                                const torch::Tensor& logit_scale);

// The same for keys that are already unit rows (a memory bank's): the keys are neither
// normalised again nor scaled; the scale multiplies the [N, D] queries, not the [N, M] logits.
torch::Tensor unit_key_logits(const torch::Tensor& queries, const torch::Tensor& unit_keys,
                              const torch::Tensor& logit_scale);

struct TwoSidedLoss {
  torch::Tensor loss;    // (first + second) / 2
  torch::Tensor first;   // cross entropy of the first logits
  torch::Tensor second;  // cross entropy of the second logits
};

// Eq. 27-29 (and Eq. 83): cross entropy of both logits [N, M] against labels [N] (the column
// of each query's positive), and their mean.
TwoSidedLoss two_sided_cross_entropy(const torch::Tensor& first_logits, const torch::Tensor& second_logits,
                                     const torch::Tensor& labels);

}  // namespace mmkd::contrastive

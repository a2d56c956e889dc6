#pragma once
// Vector quantisation of the projected teacher [I_CLS] (thesis Eq. 86, 88-90) as functions of tensors.
#include <torch/types.h>

namespace mmkd::image_vq {

struct Quantisation {
  torch::Tensor indices;    // [B] long: m_i, the cosine-nearest codeword of row i
  torch::Tensor codewords;  // [B, S] detached: q_{m_i}
  torch::Tensor quantised;  // [B, S]: value q_{m_i}, gradient copied to the projected row (straight-through)
};

// Eq. 86 for projected rows [B, S] against codebook [J, S].
Quantisation quantise(const torch::Tensor& projected, const torch::Tensor& codebook);

// Commitment term of Eq. 88: mean over rows of ||delta(projected) - sg[delta(codeword)]||_2^2.
torch::Tensor commitment_loss(const torch::Tensor& projected, const torch::Tensor& codewords);

// Cosine of each projected row with its chosen codeword [B].
torch::Tensor codeword_cosine(const torch::Tensor& projected, const torch::Tensor& codewords);

// Per codeword j: the sum of the rows of A_j (Eq. 89) [J, S] and Z = |A_j| [J].
struct CodewordSums {
  torch::Tensor sums;
  torch::Tensor counts;
};
CodewordSums codeword_sums(const torch::Tensor& projected, const torch::Tensor& indices, int64_t codebook_size);

// Eq. 90 in place: q_j = d q_j + (1 - d) mean(A_j) for every j with Z > 0; a codeword that
// replaced no row has no mean to move towards and keeps its value.
void ema_update(torch::Tensor& codebook, const CodewordSums& assigned, double decay);

// exp of the entropy of the codeword assignment frequencies (detached float scalar).
torch::Tensor assignment_perplexity(const torch::Tensor& counts);

}  // namespace mmkd::image_vq

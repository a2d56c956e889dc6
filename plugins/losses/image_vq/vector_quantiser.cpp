#include "vector_quantiser.hpp"

#include <mmkd/loss_math.hpp>

namespace mmkd::image_vq {

Quantisation quantise(const torch::Tensor& projected, const torch::Tensor& codebook) {
  Quantisation q;
  {
    torch::NoGradGuard no_grad;
    q.indices = cosine_similarity_matrix(projected, codebook).argmax(1);  // Eq. 86
    q.codewords = codebook.index_select(0, q.indices).to(projected.scalar_type());
  }
  q.quantised = projected + (q.codewords - projected).detach();
  return q;
}

torch::Tensor commitment_loss(const torch::Tensor& projected, const torch::Tensor& codewords) {
  // Eq. 88 with Eq. 1's ||.||_2^2: the mean over the S dimensions, then over the batch
  return (l2_normalize(projected) - l2_normalize(codewords).detach()).pow(2).mean();
}

torch::Tensor codeword_cosine(const torch::Tensor& projected, const torch::Tensor& codewords) {
  return (l2_normalize(projected) * l2_normalize(codewords)).sum(1);
}

CodewordSums codeword_sums(const torch::Tensor& projected, const torch::Tensor& indices, int64_t codebook_size) {
  torch::NoGradGuard no_grad;
  const torch::Tensor rows = at_least_fp32(projected.detach());
  CodewordSums out;
  out.sums = torch::zeros({codebook_size, rows.size(1)}, rows.options()).index_add_(0, indices, rows);  // Eq. 89
  out.counts = torch::zeros({codebook_size}, rows.options()).index_add_(0, indices, torch::ones_like(indices, rows.options()));
  return out;
}

void ema_update(torch::Tensor& codebook, const CodewordSums& assigned, double decay) {
  torch::NoGradGuard no_grad;
  const torch::Tensor counts = assigned.counts.to(codebook.scalar_type()).unsqueeze(1);
  const torch::Tensor mean = assigned.sums.to(codebook.scalar_type()) / counts.clamp_min(1);
  const torch::Tensor moved = decay * codebook + (1 - decay) * mean;  // Eq. 90
  codebook.copy_(torch::where(counts > 0, moved, codebook));
}

torch::Tensor assignment_perplexity(const torch::Tensor& counts) {
  torch::NoGradGuard no_grad;
  const torch::Tensor p = counts.to(torch::kDouble) / counts.sum().to(torch::kDouble);
  const torch::Tensor plogp = torch::where(p > 0, p * p.log(), torch::zeros_like(p));
  return (-plogp.sum()).exp().to(torch::kFloat);
}

}  // namespace mmkd::image_vq

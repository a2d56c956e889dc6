#pragma once
// Numerics every loss shares: softmax-family operations in at least float32 (also under
// bf16/fp16 autocast), cosine similarities, accuracy.
#include <torch/types.h>

namespace mmkd {

// `x` as float32 when it is half or bfloat16, unchanged otherwise (double stays double).
torch::Tensor at_least_fp32(const torch::Tensor& x);

torch::Tensor log_softmax_fp32(const torch::Tensor& logits, int64_t dim = -1);
torch::Tensor softmax_fp32(const torch::Tensor& logits, int64_t dim = -1);

// Mean cross entropy of logits [N, C] against class indices [N] (Eq. 27-28).
torch::Tensor cross_entropy_fp32(const torch::Tensor& logits, const torch::Tensor& targets);

// Mean over rows of -sum_c targets[n, c] * log_softmax(logits)[n, c], targets [N, C] a distribution.
torch::Tensor soft_cross_entropy_fp32(const torch::Tensor& logits, const torch::Tensor& targets);

// Rows scaled to unit L2 norm (the delta of Eq. 82), in at least float32.
torch::Tensor l2_normalize(const torch::Tensor& x);

// Cosine similarity of every row of `a` [N, D] with every row of `b` [M, D]: [N, M].
torch::Tensor cosine_similarity_matrix(const torch::Tensor& a, const torch::Tensor& b);

// Fraction of rows whose largest logit is at the target index (detached float scalar).
torch::Tensor top1_accuracy(const torch::Tensor& logits, const torch::Tensor& targets);

// 0, 1, ..., n - 1 on `like`'s device, as class indices.
torch::Tensor arange_targets(int64_t n, const torch::Tensor& like, int64_t offset = 0);

}  // namespace mmkd

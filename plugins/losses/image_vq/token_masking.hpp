#pragma once
// Random replacement of patch tokens by the learned [MASK] embedding (thesis Eq. 87).
#include <torch/types.h>

#include <cstdint>

namespace mmkd::image_vq {

// Seed of the mask drawn at `step` on `rank` of an experiment with `experiment_seed`.
uint64_t mask_seed(uint64_t experiment_seed, int rank, int64_t step);

// [batch, tokens] bool: true where alpha ~ U(0, 1) falls below mask_prob (Eq. 87), drawn on
// the CPU from `seed` so the mask is the same on every device.
torch::Tensor sample_token_mask(int64_t batch, int64_t tokens, double mask_prob, uint64_t seed);

// [batch, tokens] bool with exactly tokens - floor(tokens x (1 - mask_prob)) true per row, at
// random positions (the thesis code's random_masking: 177 of 196 at 0.9), drawn like the above.
torch::Tensor sample_exact_token_mask(int64_t batch, int64_t tokens, double mask_prob, uint64_t seed);

// Eq. 87: tokens [B, N, D] with the masked positions replaced by mask_token [D].
torch::Tensor mask_tokens(const torch::Tensor& tokens, const torch::Tensor& masked, const torch::Tensor& mask_token);

}  // namespace mmkd::image_vq

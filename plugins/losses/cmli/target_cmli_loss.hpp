#pragma once
// Target-CMLI (thesis Eq. 72, 75-77) as functions of tensors.
#include <torch/types.h>

namespace mmkd::cmli {

// Eq. 72: [B, T] index of the patch of highest cosine similarity to each token; tokens [B, T, P], patches [B, N, P].
torch::Tensor best_patches(const torch::Tensor& tokens, const torch::Tensor& patches);

// Eq. 76: mean squared error (Eq. 1) of prediction[b, t] against target[b, matched[b, t]], averaged over
// the tokens of each caption where words[b, t] and then over the batch.
torch::Tensor matched_token_mse(const torch::Tensor& prediction, const torch::Tensor& target,
                                const torch::Tensor& matched, const torch::Tensor& words);

}  // namespace mmkd::cmli

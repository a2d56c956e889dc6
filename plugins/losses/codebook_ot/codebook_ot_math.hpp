#pragma once
// CODIS multimodal codebook learning (Eq. 1-3) as functions of tensors. Features [N, D] and
// codewords (rows of codebook [K, D]) are compared by cosine; plans come from ipot_plan.
#include "ipot.hpp"

#include <torch/types.h>

namespace mmkd::codebook_ot {

// Eq. 1: D_ij = d(z_i, c_j) = 1 - cos(z_i, c_j), [N, K].
torch::Tensor cosine_cost(const torch::Tensor& features, const torch::Tensor& codebook);

// Eq. 1: <T, D> = Tr(T^T D) for a constant plan T.
torch::Tensor transport_cost(const torch::Tensor& plan, const torch::Tensor& cost);

// Eq. 2: H(P, T) with P = SoftMax(cos(Z, C) / temperature), [N, K], against the rows of the
// constant plan T [N, K] rescaled to sum to one; mean over the N rows.
torch::Tensor prototype_cross_entropy(const torch::Tensor& features, const torch::Tensor& codebook,
                                      const torch::Tensor& plan, const torch::Tensor& temperature);

struct CodebookLosses {
  torch::Tensor ot_image, ot_text;       // Eq. 1 on the plan features of each modality
  torch::Tensor tp, ip;                  // Eq. 2: text / image predictions against their targets
  torch::Tensor image_plan, text_plan;   // Algorithm 2 on the plan features, [N_all, K]
};

// Eq. 1-3 for one step. image/text [B, D]: student features; image_plan_features and
// text_plan_features [N_all, D]: the (momentum) features the plans and L_ot use, this process'
// B rows starting at row `offset`. swapped_targets: text predictions follow the image plan and
// image predictions the text plan (Fig. 3) instead of their own modality's plan (Eq. 3).
CodebookLosses codebook_losses(const torch::Tensor& image, const torch::Tensor& text,
                               const torch::Tensor& image_plan_features, const torch::Tensor& text_plan_features,
                               const torch::Tensor& codebook, const torch::Tensor& temperature,
                               const IpotSettings& ipot, bool swapped_targets, int64_t offset);

}  // namespace mmkd::codebook_ot

#pragma once
// CLIP's contrastive loss as functions of tensors (thesis Eq. 22-29). Rows of the logits are
// the queries of this process; a distributed variant passes gathered features as columns.
#include <torch/torch.h>

namespace mmkd::clip_contrastive {

struct ClipLogits {
  torch::Tensor per_image;  // [B, B]: image i against every text
  torch::Tensor per_text;   // [B, B]: text i against every image
};

// Eq. 22-26 for image and text features [B, D] of matching pairs; logit_scale is exp(learned).
ClipLogits clip_logits(const torch::Tensor& image_features, const torch::Tensor& text_features,
                       const torch::Tensor& logit_scale);

// Eq. 27-29; labels[i] is the column of query i's pair.
torch::Tensor clip_contrastive_loss(const ClipLogits& logits, const torch::Tensor& labels);

}  // namespace mmkd::clip_contrastive

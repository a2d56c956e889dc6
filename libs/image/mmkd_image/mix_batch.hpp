#pragma once
// Batch-level mixup (Zhang et al. 2018) and cutmix (Yun et al. 2019) with label smoothing,
// as timm's Mixup in `batch` mode: every sample is mixed with the batch reversed.
#include <ATen/core/Generator.h>
#include <torch/types.h>

namespace mmkd::image {

struct MixedBatch {
  torch::Tensor images;   // [N, C, H, W]
  torch::Tensor targets;  // float [N, num_classes], rows sum to 1
  double lambda = 1;      // weight of each sample's own image and label
  bool cutmix = false;
};

// One-hot float [N, num_classes] with label smoothing: 1 - s + s / K on the label, s / K elsewhere.
torch::Tensor smoothed_one_hot(const torch::Tensor& labels, int64_t num_classes, double smoothing);

// With probability `mix_prob`, lambda ~ Beta(alpha, alpha) for cutmix (chosen with
// `switch_prob` when both alphas are > 0) or mixup. Mixup: lambda x + (1 - lambda) x.flip(0).
// Cutmix: a box of area (1 - lambda) H W centred at a uniform pixel, clipped to the image,
// is pasted from x.flip(0); lambda becomes 1 - the clipped area / (H W). Targets: lambda y +
// (1 - lambda) y.flip(0) on smoothed one-hot labels. Both alphas 0: no mixing, lambda 1.
MixedBatch mix_batch(const torch::Tensor& images, const torch::Tensor& labels, int64_t num_classes, double mixup_alpha,
                     double cutmix_alpha, double label_smoothing, at::Generator generator, double switch_prob = 0.5,
                     double mix_prob = 1.0);

// A CPU generator for mix_batch, seeded by the caller (e.g. from the experiment seed and step).
at::Generator make_generator(uint64_t seed);

}  // namespace mmkd::image

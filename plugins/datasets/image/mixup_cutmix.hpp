#pragma once
// Encoder `mixup_cutmix`: mixup or cutmix of a training batch (mix_batch, timm's Mixup in batch
// mode) with label smoothing, as in the fine-tuning of thesis Sec. 3.1.1.3 (Table 27).
#include <mmkd/mmkd.hpp>
#include <mmkd/sample_random.hpp>
#include <torch/types.h>

namespace mmkd::image {

class MixupCutmix : public Encoder {
 public:
  static ComponentInfo info();
  MixupCutmix(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  // The seed of mix_batch's generator for training batch `step` on `rank`.
  static uint64_t generator_seed(uint64_t experiment_seed, int rank, int64_t step) {
    const uint64_t stream = SampleRandom::mix(experiment_seed ^ (0xC2B2AE3D27D4EB4FULL * (static_cast<uint64_t>(rank) + 1)));
    return SampleRandom::mix(stream + 0x9E3779B97F4A7C15ULL * (static_cast<uint64_t>(step) + 1));
  }

  torch::Tensor step;  // long scalar: training batches mixed so far, seeds the next one

 private:
  int64_t num_classes_;
  double mixup_alpha_, cutmix_alpha_, prob_, switch_prob_, label_smoothing_;
  uint64_t seed_;
  int rank_;
};

}  // namespace mmkd::image

#pragma once
// torchvision's ColorJitter(brightness, contrast, saturation, hue=0) on uint8 [H, W, 3] images,
// its adjustments being RandAugment's Brightness, Contrast and Color operations.
#include <mmkd_image/rand_augment.hpp>

#include <array>

namespace mmkd::image {

struct ColorAdjustment {
  AugmentOp op;   // Brightness (blend with black), Contrast (with the grey mean), Color (saturation: with grey)
  double factor;  // 1: unchanged
};
using ColorJitter = std::array<ColorAdjustment, 3>;

// ColorJitter.get_params with one strength s for all three: a random order of brightness, contrast
// and saturation, each factor uniform in [max(0, 1 - s), 1 + s].
ColorJitter draw_color_jitter(double strength, SampleRandom& random);

// The adjustments in order, as torchvision's adjust_* on a uint8 tensor: clamped to [0, 255], truncated.
torch::Tensor color_jitter(const torch::Tensor& image, const ColorJitter& jitter);

}  // namespace mmkd::image

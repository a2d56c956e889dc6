#pragma once
// RandAugment (Cubuk et al. 2020) as torchvision's transforms.RandAugment: its 14 operations,
// magnitudes and sign rule, on uint8 [H, W, 3] images with nearest sampling and fill 0.
#include <mmkd_image/image_decode.hpp>
#include <mmkd/sample_random.hpp>

#include <torch/types.h>

namespace mmkd::image {

enum class AugmentOp {
  Identity, ShearX, ShearY, TranslateX, TranslateY, Rotate, Brightness,
  Color, Contrast, Sharpness, Posterize, Solarize, AutoContrast, Equalize,
};
constexpr int augment_op_count = 14;

struct RandAugmentSettings {
  int64_t num_ops = 2;  // 0: off
  int64_t magnitude = 9;
  int64_t num_magnitude_bins = 31;
};

// torchvision's magnitude of `op` at bin `magnitude` of `num_bins`, before any sign flip:
// shear 0..0.3, translate 0..150/331 of the side, rotate 0..30 degrees, enhance factors
// 0..0.9, posterize 8..4 bits, solarize threshold 255..0.
double augment_magnitude(AugmentOp op, int64_t magnitude, int64_t num_bins, ImageSize size);
bool augment_signed(AugmentOp op);

// One operation as torchvision's _apply_op applies it.
torch::Tensor apply_augment_op(const torch::Tensor& image, AugmentOp op, double magnitude);

// num_ops operations drawn uniformly with replacement, a signed one negated with probability 1/2.
torch::Tensor rand_augment(const torch::Tensor& image, const RandAugmentSettings& settings, SampleRandom& random);

}  // namespace mmkd::image

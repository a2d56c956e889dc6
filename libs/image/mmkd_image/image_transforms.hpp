#pragma once
// Crops, resampling, flip and normalisation of uint8 [H, W, 3] RGB images.
#include <mmkd_image/image_decode.hpp>
#include <mmkd/sample_random.hpp>

#include <torch/types.h>

#include <array>

namespace mmkd::image {

// A region of an image in its pixels; fractional where a resize came before the crop.
struct CropBox {
  double top = 0;
  double left = 0;
  double height = 0;
  double width = 0;
  // Resampling as resizing the whole image, then cropping (the filter also reads pixels just
  // around the box), rather than cropping, then resizing (only the box's pixels).
  bool resize_then_crop = false;
};

struct Normalization {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // ImageNet
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

// torchvision's RandomResizedCrop.get_params: up to 10 draws of an area fraction in `scale`
// and a log-uniform aspect ratio in `ratio` until the box fits, else the centre crop with
// the ratio clamped into `ratio`. Integer boxes, as torchvision's.
CropBox random_resized_crop_box(ImageSize size, std::array<double, 2> scale, std::array<double, 2> ratio,
                                SampleRandom& random);

// torchvision's Resize(resize) (shorter side) then CenterCrop(crop), as one box of the original
// image (resize_then_crop); resize >= crop.
CropBox center_crop_box(ImageSize size, int64_t resize, int64_t crop);

// `box` of an image of `from`'s size, in the pixels of the same image resized to `to`.
CropBox scale_box(const CropBox& box, ImageSize from, ImageSize to);

// `box` of uint8 [H, W, 3] resampled to [out_height, out_width, 3], mirrored left-right when
// `flip`: Pillow's BILINEAR filter (bilinear_resample.hpp), computed in float, rounded once.
// With an integer box and resize_then_crop false it is torchvision's resized_crop on a PIL image.
torch::Tensor resized_crop(const torch::Tensor& image, const CropBox& box, int64_t out_height, int64_t out_width,
                           bool flip);

// The same resampling written straight to float [3, out_height, out_width] as
// (pixel / 255 - mean) / std, in one pass.
torch::Tensor resized_crop_normalized(const torch::Tensor& image, const CropBox& box, int64_t out_height,
                                      int64_t out_width, bool flip, const Normalization& normalization);

// uint8 [H, W, 3] mirrored left-right.
torch::Tensor horizontal_flip(const torch::Tensor& image);

// uint8 [H, W, 3] to float [3, H, W]: (pixel / 255 - mean) / std.
torch::Tensor normalize(const torch::Tensor& image, const Normalization& normalization);

}  // namespace mmkd::image

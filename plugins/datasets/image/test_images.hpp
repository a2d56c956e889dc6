#pragma once
// Small images the tests of this folder draw and write.
#include <torch/types.h>

#include <cstdint>
#include <string>

namespace mmkd::image::testing {

// uint8 [H, W, 3]: smooth gradients (compress well as JPEG) plus `seed`-dependent offsets.
torch::Tensor smooth_image(int64_t height, int64_t width, int seed = 0);

// uint8 [H, W, 3] of uniform random values.
torch::Tensor random_image(int64_t height, int64_t width, int seed = 0);

void write_jpeg(const std::string& path, const torch::Tensor& image, int quality = 95);
void write_png(const std::string& path, const torch::Tensor& image);

// Pillow's bilinear resized crop written the plain way: per output pixel, the product of the
// two 1-D triangle weights over the 2-D neighbourhood, in double. float [H', W', 3] in [0, 255].
torch::Tensor reference_resized_crop(const torch::Tensor& image, double top, double left, double height, double width,
                                     int64_t out_height, int64_t out_width);

}  // namespace mmkd::image::testing

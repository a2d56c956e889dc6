#pragma once
// Pillow's BILINEAR resampling of a box of an RGB image (a triangle filter whose support widens
// with the downscaling factor), separable, in float, on 4-lane SIMD vectors.
#include <torch/types.h>

#include <functional>

namespace mmkd::image {

struct CropBox;

// One RGB pixel in lanes 0-2 of a 4-float vector (GCC/Clang vector extension); lane 3 is unused.
using Float4 = float __attribute__((vector_size(16)));

// Resamples `box` of a contiguous uint8 [H, W, 3] image to out_height x out_width, mirrored
// left-right when `flip`, and hands each output row to `store(y, row)` as out_width pixels in
// [0, 255]. The filter reads the box's pixels (rounded outward to whole pixels), or with
// box.resize_then_crop also those around it; its weights are renormalised where it is cut.
void bilinear_resample(const torch::Tensor& image, const CropBox& box, int64_t out_height, int64_t out_width,
                       bool flip, const std::function<void(int64_t y, const Float4* row)>& store);

}  // namespace mmkd::image

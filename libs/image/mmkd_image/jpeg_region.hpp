#pragma once
// A rectangle of a JPEG decoded at a DCT scale, reading only the iMCU rows and columns it
// touches (libjpeg's jpeg_crop_scanline and jpeg_skip_scanlines): a random crop costs a part
// of a full decode.
#include <mmkd_image/image_decode.hpp>

#include <torch/types.h>

namespace mmkd::image {

struct JpegRegion {
  torch::Tensor pixels;  // uint8 [h, w, 3]; undefined for CMYK/YCCK JPEGs (decode those whole)
  int64_t top = 0, left = 0;  // of `pixels` in the scaled image; left moves to an iMCU boundary
};

// Rows [top, top + height) and at least columns [left, left + width) of the JPEG scaled by
// `scale`, all within the scaled image. Equal to the same pixels of a whole decode except the
// first column when it is not the image's (chroma upsampling lacks its left neighbour there):
// callers keep a margin. Throws mmkd::Error for corrupt data.
JpegRegion decode_jpeg_region(const uint8_t* data, size_t size, JpegScale scale, int64_t top, int64_t left,
                              int64_t height, int64_t width);

}  // namespace mmkd::image

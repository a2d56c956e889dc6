#pragma once
// JPEG (libjpeg-turbo) and PNG (libpng) decoding to 8-bit RGB; the format is read from the
// magic bytes, never from the file name.
#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mmkd::image {

enum class ImageFormat { Unknown, Jpeg, Png };

struct ImageSize {
  int64_t height = 0;
  int64_t width = 0;
};

// A JPEG DCT-domain scaling factor num/denom.
struct JpegScale {
  int num = 1;
  int denom = 1;
};

ImageFormat detect_format(const uint8_t* data, size_t size);

// Height and width from the header alone; throws mmkd::DataError for an unknown or corrupt
// header, or one of more than 178,956,970 pixels (Pillow's decompression bomb limit), which
// decode_image refuses too.
ImageSize read_image_size(const uint8_t* data, size_t size);

// The smallest of libjpeg-turbo's factors 1/1, 1/2, 1/4, 1/8 that keeps the scaled height
// >= min_size.height and width >= min_size.width (1/1 when none smaller does).
JpegScale jpeg_scale_for(ImageSize size, ImageSize min_size);

// uint8 [H, W, 3] RGB at full size, or for a JPEG with `min_size` at jpeg_scale_for(size,
// min_size) of its size (a PNG is always decoded at full size). Grey, palette and alpha PNGs become RGB
// (alpha dropped), 16-bit samples keep their high byte; Adobe CMYK/YCCK JPEGs are converted.
// Corrupt data throws mmkd::Error saying what is wrong (the caller adds the file name); a
// JPEG libjpeg-turbo only warns about (truncated scans) is returned as far as it decoded.
torch::Tensor decode_image(const uint8_t* data, size_t size);
torch::Tensor decode_image(const uint8_t* data, size_t size, ImageSize min_size);
inline torch::Tensor decode_image(const std::vector<uint8_t>& bytes) { return decode_image(bytes.data(), bytes.size()); }

// The whole file; throws mmkd::Error naming the file when it cannot be read.
std::vector<uint8_t> read_file_bytes(const std::string& path);

}  // namespace mmkd::image

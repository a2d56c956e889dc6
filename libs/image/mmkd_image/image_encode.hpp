#pragma once
// JPEG and PNG encoding, for tests and benchmarks that write their own images.
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mmkd::image {

// uint8 [H, W, C]: C = 3 (RGB, 4:2:0 chroma), 1 (grey) or 4 (CMYK samples as stored, the
// inverted Adobe convention decode_image expects).
std::vector<uint8_t> encode_jpeg(const torch::Tensor& image, int quality = 90);

// uint8 [H, W, C] with C = 1 (grey), 2 (grey + alpha), 3 (RGB), 4 (RGBA): an 8-bit PNG; an
// int32 tensor with samples in [0, 65535]: a 16-bit PNG.
std::vector<uint8_t> encode_png(const torch::Tensor& image);

// An 8-bit palette PNG: uint8 indices [H, W] into the uint8 palette [N, 3], N <= 256.
std::vector<uint8_t> encode_png_palette(const torch::Tensor& indices, const torch::Tensor& palette);

void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace mmkd::image

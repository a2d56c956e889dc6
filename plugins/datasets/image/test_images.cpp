#include "test_images.hpp"

#include <mmkd_image/image_encode.hpp>

#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace mmkd::image::testing {

torch::Tensor smooth_image(int64_t height, int64_t width, int seed) {
  torch::Tensor image = torch::empty({height, width, 3}, torch::kUInt8);
  auto p = image.accessor<uint8_t, 3>();
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      p[y][x][0] = static_cast<uint8_t>(40 + 160 * x / std::max<int64_t>(width - 1, 1) + seed % 7);
      p[y][x][1] = static_cast<uint8_t>(30 + 180 * y / std::max<int64_t>(height - 1, 1));
      p[y][x][2] = static_cast<uint8_t>(100 + 60 * std::sin(0.2 * static_cast<double>(x + y) + seed));
    }
  return image;
}

torch::Tensor random_image(int64_t height, int64_t width, int seed) {
  torch::manual_seed(seed);
  return torch::randint(0, 256, {height, width, 3}, torch::kInt).to(torch::kUInt8);
}

void write_jpeg(const std::string& path, const torch::Tensor& image, int quality) {
  write_file_bytes(path, encode_jpeg(image, quality));
}

void write_png(const std::string& path, const torch::Tensor& image) { write_file_bytes(path, encode_png(image)); }

namespace {

// Weights of every input pixel for output pixel i: a triangle of radius max(scale, 1) around
// the output pixel's centre mapped into the input, normalised over the image.
std::vector<double> weights_1d(double start, double length, int64_t size, int64_t out_size, int64_t i) {
  const double scale = length / static_cast<double>(out_size), support = std::max(scale, 1.0);
  const double center = start + (static_cast<double>(i) + 0.5) * scale;
  std::vector<double> w(static_cast<size_t>(size), 0.0);
  double total = 0;
  for (int64_t k = 0; k < size; ++k) total += w[k] = std::max(0.0, 1.0 - std::abs((k + 0.5 - center) / support));
  for (double& v : w) v /= total;
  return w;
}

}  // namespace

torch::Tensor reference_resized_crop(const torch::Tensor& image, double top, double left, double height, double width,
                                     int64_t out_height, int64_t out_width) {
  const auto in = image.to(torch::kDouble);
  auto out = torch::zeros({out_height, out_width, 3}, torch::kDouble);
  for (int64_t y = 0; y < out_height; ++y) {
    const auto wy = torch::tensor(weights_1d(top, height, image.size(0), out_height, y), torch::kDouble);
    for (int64_t x = 0; x < out_width; ++x) {
      const auto wx = torch::tensor(weights_1d(left, width, image.size(1), out_width, x), torch::kDouble);
      out[y][x] = (in * wy.view({-1, 1, 1}) * wx.view({1, -1, 1})).sum(torch::IntArrayRef{0, 1});
    }
  }
  return out.to(torch::kFloat);
}

}  // namespace mmkd::image::testing

#include <mmkd_image/image_transforms.hpp>

#include <mmkd_image/bilinear_resample.hpp>

#include <algorithm>
#include <cmath>

namespace mmkd::image {

CropBox random_resized_crop_box(ImageSize size, std::array<double, 2> scale, std::array<double, 2> ratio,
                                SampleRandom& random) {
  const double height = static_cast<double>(size.height), width = static_cast<double>(size.width);
  const double area = height * width;
  const double log_ratio_lo = std::log(ratio[0]), log_ratio_hi = std::log(ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * random.uniform(scale[0], scale[1]);
    const double aspect = std::exp(random.uniform(log_ratio_lo, log_ratio_hi));
    const double w = std::nearbyint(std::sqrt(target_area * aspect));  // Python's round: ties to even
    const double h = std::nearbyint(std::sqrt(target_area / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const double top = static_cast<double>(random.integer(0, static_cast<int64_t>(height - h) + 1));
      const double left = static_cast<double>(random.integer(0, static_cast<int64_t>(width - w) + 1));
      return {top, left, h, w};
    }
  }
  const double in_ratio = width / height;
  double w = width, h = height;
  if (in_ratio < ratio[0]) h = std::nearbyint(w / ratio[0]);
  else if (in_ratio > ratio[1]) w = std::nearbyint(h * ratio[1]);
  return {std::floor((height - h) / 2), std::floor((width - w) / 2), h, w};
}

CropBox center_crop_box(ImageSize size, int64_t resize, int64_t crop) {
  TORCH_CHECK(resize >= crop && crop > 0, "center_crop_box: expected resize >= crop > 0");
  const bool tall = size.height > size.width;
  const int64_t shorter = tall ? size.width : size.height, longer = tall ? size.height : size.width;
  const int64_t resized_long = resize * longer / shorter;  // torchvision: int(resize * long / short)
  const double resized_height = static_cast<double>(tall ? resized_long : resize);
  const double resized_width = static_cast<double>(tall ? resize : resized_long);
  const double top = std::nearbyint((resized_height - static_cast<double>(crop)) / 2);
  const double left = std::nearbyint((resized_width - static_cast<double>(crop)) / 2);
  const double sy = static_cast<double>(size.height) / resized_height, sx = static_cast<double>(size.width) / resized_width;
  return {top * sy, left * sx, static_cast<double>(crop) * sy, static_cast<double>(crop) * sx, true};
}

CropBox scale_box(const CropBox& box, ImageSize from, ImageSize to) {
  const double sy = static_cast<double>(to.height) / static_cast<double>(from.height);
  const double sx = static_cast<double>(to.width) / static_cast<double>(from.width);
  return {box.top * sy, box.left * sx, box.height * sy, box.width * sx, box.resize_then_crop};
}

torch::Tensor resized_crop(const torch::Tensor& image, const CropBox& box, int64_t out_height, int64_t out_width,
                           bool flip) {
  torch::Tensor out = torch::empty({out_height, out_width, 3}, torch::kUInt8);
  uint8_t* o = out.data_ptr<uint8_t>();
  bilinear_resample(image, box, out_height, out_width, flip, [&](int64_t y, const Float4* row) {
    uint8_t* dst = o + y * out_width * 3;
    for (int64_t x = 0; x < out_width; ++x)
      for (int c = 0; c < 3; ++c) dst[x * 3 + c] = static_cast<uint8_t>(std::min(255.f, std::max(0.f, row[x][c] + 0.5f)));
  });
  return out;
}

torch::Tensor resized_crop_normalized(const torch::Tensor& image, const CropBox& box, int64_t out_height,
                                      int64_t out_width, bool flip, const Normalization& normalization) {
  torch::Tensor out = torch::empty({3, out_height, out_width}, torch::kFloat);
  float* o = out.data_ptr<float>();
  Float4 scale = {0, 0, 0, 0}, shift = {0, 0, 0, 0};
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.f / (255.f * normalization.std[c]);
    shift[c] = -normalization.mean[c] / normalization.std[c];
  }
  const int64_t plane = out_height * out_width;
  bilinear_resample(image, box, out_height, out_width, flip, [&](int64_t y, const Float4* row) {
    float* dst = o + y * out_width;
    for (int64_t x = 0; x < out_width; ++x) {
      const Float4 v = row[x] * scale + shift;
      dst[x] = v[0];
      dst[plane + x] = v[1];
      dst[2 * plane + x] = v[2];
    }
  });
  return out;
}

torch::Tensor horizontal_flip(const torch::Tensor& image) { return image.flip({1}).contiguous(); }

torch::Tensor normalize(const torch::Tensor& image, const Normalization& normalization) {
  const torch::Tensor mean = torch::tensor(std::vector<float>(normalization.mean.begin(), normalization.mean.end()));
  const torch::Tensor std = torch::tensor(std::vector<float>(normalization.std.begin(), normalization.std.end()));
  return ((image.permute({2, 0, 1}).to(torch::kFloat) / 255.f - mean.view({3, 1, 1})) / std.view({3, 1, 1}))
      .contiguous();
}

}  // namespace mmkd::image

#include <mmkd_image/rand_augment.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace mmkd::image {

namespace {

constexpr double pi = 3.14159265358979323846;

uint8_t to_uint8(double v) { return static_cast<uint8_t>(std::min(255.0, std::max(0.0, v))); }  // clamp, truncate

// torchvision's _get_inverse_affine_matrix (scale 1): output pixel -> input pixel, angle
// clockwise in degrees, about `center` in pixels from the top-left corner.
std::array<double, 6> inverse_affine(double center_x, double center_y, double angle, double translate_x,
                                     double translate_y, double shear_x, double shear_y) {
  const double rot = angle * pi / 180, sx = shear_x * pi / 180, sy = shear_y * pi / 180;
  const double a = std::cos(rot - sy) / std::cos(sy);
  const double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  const double c = std::sin(rot - sy) / std::cos(sy);
  const double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  std::array<double, 6> m{d, -b, 0, -c, a, 0};
  m[2] = m[0] * (-center_x - translate_x) + m[1] * (-center_y - translate_y) + center_x;
  m[5] = m[3] * (-center_x - translate_x) + m[4] * (-center_y - translate_y) + center_y;
  return m;
}

// Pillow's affine transform with NEAREST: pixel centres mapped, floored, outside -> 0.
torch::Tensor affine_nearest(const torch::Tensor& image, const std::array<double, 6>& m) {
  const int64_t height = image.size(0), width = image.size(1);
  torch::Tensor out = torch::zeros_like(image);
  const uint8_t* in = image.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t y = 0; y < height; ++y) {
    for (int64_t x = 0; x < width; ++x) {
      const double sx = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2];
      const double sy = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5];
      if (sx < 0 || sy < 0 || sx >= width || sy >= height) continue;
      const uint8_t* p = in + (static_cast<int64_t>(sy) * width + static_cast<int64_t>(sx)) * 3;
      std::copy(p, p + 3, o + (y * width + x) * 3);
    }
  }
  return out;
}

// torchvision's rgb_to_grayscale on uint8: truncated 0.2989 R + 0.587 G + 0.114 B.
uint8_t grey(const uint8_t* p) { return static_cast<uint8_t>(0.2989f * p[0] + 0.587f * p[1] + 0.114f * p[2]); }

// torchvision's _blend: factor * image + (1 - factor) * other, clamped and truncated.
template <class Other>
torch::Tensor blend(const torch::Tensor& image, double factor, Other other) {
  torch::Tensor out = torch::empty_like(image);
  const uint8_t* in = image.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t i = 0, n = image.numel(); i < n; ++i)
    o[i] = to_uint8(factor * static_cast<float>(in[i]) + (1.0 - factor) * other(i));
  return out;
}

// 3x3 smoothing [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13 inside, the border unchanged.
torch::Tensor sharpness_degenerate(const torch::Tensor& image) {
  const int64_t height = image.size(0), width = image.size(1);
  torch::Tensor out = image.clone();
  const uint8_t* in = image.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t y = 1; y + 1 < height; ++y)
    for (int64_t x = 1; x + 1 < width; ++x)
      for (int c = 0; c < 3; ++c) {
        float sum = 4.f * in[(y * width + x) * 3 + c];
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) sum += in[((y + dy) * width + x + dx) * 3 + c];
        o[(y * width + x) * 3 + c] = static_cast<uint8_t>(std::nearbyint(sum / 13.f));
      }
  return out;
}

torch::Tensor auto_contrast(const torch::Tensor& image) {
  const int64_t pixels = image.size(0) * image.size(1);
  const uint8_t* in = image.data_ptr<uint8_t>();
  std::array<float, 3> low{255, 255, 255}, scale{1, 1, 1};
  std::array<float, 3> high{0, 0, 0};
  for (int64_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) {
      low[c] = std::min(low[c], static_cast<float>(in[i * 3 + c]));
      high[c] = std::max(high[c], static_cast<float>(in[i * 3 + c]));
    }
  for (int c = 0; c < 3; ++c) {
    if (high[c] > low[c]) scale[c] = 255.f / (high[c] - low[c]);
    else low[c] = 0;
  }
  torch::Tensor out = torch::empty_like(image);
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) o[i * 3 + c] = to_uint8((in[i * 3 + c] - low[c]) * scale[c]);
  return out;
}

// Per channel, as torchvision's (and Pillow's) equalize: step = (pixels - count of the last
// occupied level) / 255, lut[v] = (cumulative count below v + step / 2) / step.
torch::Tensor equalize(const torch::Tensor& image) {
  const int64_t pixels = image.size(0) * image.size(1);
  const uint8_t* in = image.data_ptr<uint8_t>();
  torch::Tensor out = image.clone();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int c = 0; c < 3; ++c) {
    std::array<int64_t, 256> histogram{};
    for (int64_t i = 0; i < pixels; ++i) ++histogram[in[i * 3 + c]];
    int64_t last = 255;
    while (histogram[last] == 0) --last;
    const int64_t step = (pixels - histogram[last]) / 255;
    if (step == 0) continue;
    std::array<uint8_t, 256> lut{};
    int64_t below = 0;
    for (int v = 0; v < 256; ++v) {
      lut[v] = static_cast<uint8_t>(std::min<int64_t>((below + step / 2) / step, 255));
      below += histogram[v];
    }
    for (int64_t i = 0; i < pixels; ++i) o[i * 3 + c] = lut[in[i * 3 + c]];
  }
  return out;
}

template <class Map>
torch::Tensor map_values(const torch::Tensor& image, Map map) {
  torch::Tensor out = torch::empty_like(image);
  const uint8_t* in = image.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t i = 0, n = image.numel(); i < n; ++i) o[i] = map(in[i]);
  return out;
}

double linspace(double lo, double hi, int64_t bin, int64_t num_bins) {
  return lo + (hi - lo) * static_cast<double>(bin) / static_cast<double>(num_bins - 1);
}

}  // namespace

bool augment_signed(AugmentOp op) {
  switch (op) {
    case AugmentOp::ShearX: case AugmentOp::ShearY: case AugmentOp::TranslateX: case AugmentOp::TranslateY:
    case AugmentOp::Rotate: case AugmentOp::Brightness: case AugmentOp::Color: case AugmentOp::Contrast:
    case AugmentOp::Sharpness:
      return true;
    default:
      return false;
  }
}

double augment_magnitude(AugmentOp op, int64_t magnitude, int64_t num_bins, ImageSize size) {
  switch (op) {
    case AugmentOp::ShearX: case AugmentOp::ShearY: return linspace(0, 0.3, magnitude, num_bins);
    case AugmentOp::TranslateX: return linspace(0, 150.0 / 331.0 * static_cast<double>(size.width), magnitude, num_bins);
    case AugmentOp::TranslateY: return linspace(0, 150.0 / 331.0 * static_cast<double>(size.height), magnitude, num_bins);
    case AugmentOp::Rotate: return linspace(0, 30, magnitude, num_bins);
    case AugmentOp::Brightness: case AugmentOp::Color: case AugmentOp::Contrast: case AugmentOp::Sharpness:
      return linspace(0, 0.9, magnitude, num_bins);
    case AugmentOp::Posterize:  // 8 - round(bin / ((bins - 1) / 4)), round half to even as torch.round
      return 8 - std::nearbyint(static_cast<double>(magnitude) / (static_cast<double>(num_bins - 1) / 4));
    case AugmentOp::Solarize: return linspace(255, 0, magnitude, num_bins);
    default: return 0;
  }
}

torch::Tensor apply_augment_op(const torch::Tensor& input, AugmentOp op, double magnitude) {
  TORCH_CHECK(input.dim() == 3 && input.size(2) == 3 && input.scalar_type() == torch::kUInt8,
              "RandAugment expects uint8 [H, W, 3]");
  const torch::Tensor image = input.contiguous();
  const double center_x = image.size(1) * 0.5, center_y = image.size(0) * 0.5;
  const double shear = std::atan(magnitude) * 180 / pi;
  const uint8_t* in = image.data_ptr<uint8_t>();
  switch (op) {
    case AugmentOp::Identity: return image.clone();
    case AugmentOp::ShearX: return affine_nearest(image, inverse_affine(0, 0, 0, 0, 0, shear, 0));
    case AugmentOp::ShearY: return affine_nearest(image, inverse_affine(0, 0, 0, 0, 0, 0, shear));
    case AugmentOp::TranslateX:
      return affine_nearest(image, inverse_affine(center_x, center_y, 0, std::trunc(magnitude), 0, 0, 0));
    case AugmentOp::TranslateY:
      return affine_nearest(image, inverse_affine(center_x, center_y, 0, 0, std::trunc(magnitude), 0, 0));
    case AugmentOp::Rotate:  // counter-clockwise, as F.rotate
      return affine_nearest(image, inverse_affine(center_x, center_y, -magnitude, 0, 0, 0, 0));
    case AugmentOp::Brightness: return blend(image, 1 + magnitude, [](int64_t) { return 0.0; });
    case AugmentOp::Color:
      return blend(image, 1 + magnitude, [in](int64_t i) { return static_cast<double>(grey(in + i / 3 * 3)); });
    case AugmentOp::Contrast: {
      double sum = 0;
      for (int64_t i = 0, n = image.numel(); i < n; i += 3) sum += grey(in + i);
      const double mean = sum / static_cast<double>(image.numel() / 3);
      return blend(image, 1 + magnitude, [mean](int64_t) { return mean; });
    }
    case AugmentOp::Sharpness: {
      const torch::Tensor degenerate = sharpness_degenerate(image);
      const uint8_t* d = degenerate.data_ptr<uint8_t>();
      return blend(image, 1 + magnitude, [d](int64_t i) { return static_cast<double>(d[i]); });
    }
    case AugmentOp::Posterize: {
      const auto mask = static_cast<uint8_t>(0xFF << (8 - static_cast<int>(magnitude)));
      return map_values(image, [mask](uint8_t v) { return static_cast<uint8_t>(v & mask); });
    }
    case AugmentOp::Solarize:
      return map_values(image, [magnitude](uint8_t v) { return v >= magnitude ? static_cast<uint8_t>(255 - v) : v; });
    case AugmentOp::AutoContrast: return auto_contrast(image);
    case AugmentOp::Equalize: return equalize(image);
  }
  return image.clone();
}

torch::Tensor rand_augment(const torch::Tensor& image, const RandAugmentSettings& settings, SampleRandom& random) {
  torch::Tensor out = image;
  const ImageSize size{image.size(0), image.size(1)};
  for (int64_t i = 0; i < settings.num_ops; ++i) {
    const auto op = static_cast<AugmentOp>(random.integer(0, augment_op_count));
    double magnitude = augment_magnitude(op, settings.magnitude, settings.num_magnitude_bins, size);
    if (augment_signed(op) && random.chance(0.5)) magnitude = -magnitude;
    out = apply_augment_op(out, op, magnitude);
  }
  return out;
}

}  // namespace mmkd::image

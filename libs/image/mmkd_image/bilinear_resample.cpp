#include <mmkd_image/bilinear_resample.hpp>

#include <mmkd_image/image_transforms.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

namespace mmkd::image {

namespace {

// Pillow's precompute_coeffs for its bilinear filter: output pixel i reads inputs first[i] ..
// first[i] + width - 1 with weights[i * width + k], zero past the pixels the filter covers.
struct FilterTaps {
  std::vector<int64_t> first;
  std::vector<float> weights;
  int64_t width = 0;
};

// Output pixel i covers [in_start + i scale, in_start + (i + 1) scale); the filter reads only
// inputs in [bound_lo, bound_hi).
FilterTaps triangle_taps(double in_start, double in_length, int64_t bound_lo, int64_t bound_hi, int64_t out_size) {
  const double scale = in_length / static_cast<double>(out_size);
  const double support = std::max(scale, 1.0);  // triangle of radius 1, widened when downscaling
  FilterTaps taps;
  taps.width = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.weights.assign(static_cast<size_t>(out_size * taps.width), 0.f);
  for (int64_t i = 0; i < out_size; ++i) {
    const double center = in_start + (static_cast<double>(i) + 0.5) * scale;
    const int64_t lo = std::min(std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), bound_lo), bound_hi - 1);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), bound_hi);
    float* w = &taps.weights[i * taps.width];
    double total = 0;
    for (int64_t k = 0; k < hi - lo; ++k) {  // hi - lo <= 2 support + 1 <= width
      w[k] = static_cast<float>(std::max(0.0, 1.0 - std::abs((static_cast<double>(lo + k) - center + 0.5) / support)));
      total += w[k];
    }
    for (int64_t k = 0; k < hi - lo && total > 0; ++k) w[k] = static_cast<float>(w[k] / total);
    taps.first[i] = lo;
  }
  return taps;
}

// The first and one past the last input the filter may read along an axis.
int64_t read_from(double start, const CropBox& box) {
  return box.resize_then_crop ? 0 : std::max<int64_t>(static_cast<int64_t>(std::floor(start + 1e-6)), 0);
}
int64_t read_to(double end, int64_t size, const CropBox& box) {
  return box.resize_then_crop ? size : std::min<int64_t>(static_cast<int64_t>(std::ceil(end - 1e-6)), size);
}

Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Calls f with std::integral_constant<int, width> for the common filter widths, 0 otherwise,
// so that the tap loops below unroll.
template <class F>
void with_width(int64_t width, F f) {
  switch (width) {
    case 3: return f(std::integral_constant<int, 3>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 7: return f(std::integral_constant<int, 7>{});
    default: return f(std::integral_constant<int, 0>{});
  }
}

// One row of interleaved RGB floats (`line`, starting at column `column_first`) filtered to out_width pixels.
template <int W>
void filter_row(const float* line, const FilterTaps& taps, const std::vector<Float4>& weights, int64_t column_first,
                int64_t out_width, bool flip, Float4* out) {
  const int64_t width = W > 0 ? W : taps.width;
  for (int64_t x = 0; x < out_width; ++x) {
    const Float4* w = &weights[x * width];
    const float* p = line + (taps.first[x] - column_first) * 3;
    Float4 sum = w[0] * load4(p);
    for (int64_t k = 1; k < width; ++k) sum += w[k] * load4(p + 3 * k);
    out[flip ? out_width - 1 - x : x] = sum;
  }
}

// Output row from `width` consecutive horizontally filtered rows.
template <int W>
void filter_column(const Float4* rows, const float* weights, int64_t runtime_width, int64_t out_width,
                   Float4* __restrict out) {
  const int64_t width = W > 0 ? W : runtime_width;
  float w[W > 0 ? W : 1];
  if constexpr (W > 0) std::copy(weights, weights + W, w);  // in registers across the row
  for (int64_t x = 0; x < out_width; ++x) {
    Float4 sum = (W > 0 ? w[0] : weights[0]) * rows[x];
    for (int64_t k = 1; k < width; ++k) sum += (W > 0 ? w[k] : weights[k]) * rows[k * out_width + x];
    out[x] = sum;
  }
}

}  // namespace

void bilinear_resample(const torch::Tensor& image, const CropBox& box, int64_t out_height, int64_t out_width,
                       bool flip, const std::function<void(int64_t y, const Float4* row)>& store) {
  TORCH_CHECK(image.dim() == 3 && image.size(2) == 3 && image.scalar_type() == torch::kUInt8 && image.is_contiguous(),
              "expected a contiguous uint8 [H, W, 3] image");
  TORCH_CHECK(box.height > 0 && box.width > 0 && out_height > 0 && out_width > 0, "empty crop box or output size");
  const int64_t height = image.size(0), width = image.size(1);
  const FilterTaps x_taps = triangle_taps(box.left, box.width, read_from(box.left, box),
                                          read_to(box.left + box.width, width, box), out_width);
  const FilterTaps y_taps = triangle_taps(box.top, box.height, read_from(box.top, box),
                                          read_to(box.top + box.height, height, box), out_height);
  std::vector<Float4> x_weights(x_taps.weights.size());
  for (size_t i = 0; i < x_weights.size(); ++i) x_weights[i] = Float4{1, 1, 1, 1} * x_taps.weights[i];

  // Columns and rows the filters read; those past the image are zeros with zero weight.
  const int64_t column_first = x_taps.first.front(), column_end = x_taps.first.back() + x_taps.width;
  const int64_t row_first = y_taps.first.front(), row_end = y_taps.first.back() + y_taps.width;
  const int64_t columns = std::min(column_end, width) - column_first;
  std::vector<float> line(static_cast<size_t>((column_end - column_first) * 3 + 1), 0.f);  // + 1: lane 3 of the last load
  std::vector<Float4> rows(static_cast<size_t>((row_end - row_first) * out_width), Float4{0, 0, 0, 0});
  const uint8_t* pixels = image.data_ptr<uint8_t>();
  with_width(x_taps.width, [&](auto w) {
    for (int64_t r = row_first; r < std::min(row_end, height); ++r) {
      const uint8_t* in = pixels + (r * width + column_first) * 3;
      for (int64_t i = 0; i < columns * 3; ++i) line[i] = in[i];
      filter_row<decltype(w)::value>(line.data(), x_taps, x_weights, column_first, out_width, flip,
                                     &rows[(r - row_first) * out_width]);
    }
  });
  std::vector<Float4> out(static_cast<size_t>(out_width));
  with_width(y_taps.width, [&](auto w) {
    for (int64_t y = 0; y < out_height; ++y) {
      filter_column<decltype(w)::value>(&rows[(y_taps.first[y] - row_first) * out_width], &y_taps.weights[y * y_taps.width],
                                        y_taps.width, out_width, out.data());
      store(y, out.data());
    }
  });
}

}  // namespace mmkd::image

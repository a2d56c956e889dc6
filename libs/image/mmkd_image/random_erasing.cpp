#include <mmkd_image/random_erasing.hpp>

#include <cmath>

namespace mmkd::image {

CropBox random_erasing(torch::Tensor& image, const RandomErasingSettings& settings, SampleRandom& random) {
  TORCH_CHECK(image.dim() == 3 && image.scalar_type() == torch::kFloat && image.is_contiguous(),
              "random_erasing expects a contiguous float [C, H, W] image");
  if (!random.chance(settings.probability)) return {};
  const int64_t channels = image.size(0), height = image.size(1), width = image.size(2);
  const double area = static_cast<double>(height * width);
  const double log_aspect_lo = std::log(settings.min_aspect), log_aspect_hi = -std::log(settings.min_aspect);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = random.uniform(settings.min_area, settings.max_area) * area;
    const double aspect = std::exp(random.uniform(log_aspect_lo, log_aspect_hi));
    const auto h = static_cast<int64_t>(std::nearbyint(std::sqrt(target_area * aspect)));
    const auto w = static_cast<int64_t>(std::nearbyint(std::sqrt(target_area / aspect)));
    if (w >= width || h >= height) continue;
    const int64_t top = random.integer(0, height - h + 1), left = random.integer(0, width - w + 1);
    float* pixels = image.data_ptr<float>();
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t y = top; y < top + h; ++y)
        for (int64_t x = left; x < left + w; ++x)
          pixels[(c * height + y) * width + x] = settings.random_values ? static_cast<float>(random.normal()) : 0.f;
    return {static_cast<double>(top), static_cast<double>(left), static_cast<double>(h), static_cast<double>(w)};
  }
  return {};
}

}  // namespace mmkd::image

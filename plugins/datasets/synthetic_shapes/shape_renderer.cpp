#include "shape_renderer.hpp"

#include <cmath>

namespace mmkd::synthetic_shapes {

namespace {
constexpr int subsamples = 4;  // per pixel and axis
}

bool shape_contains(int shape, double dx, double dy, double r) {
  const double ax = std::abs(dx), ay = std::abs(dy);
  switch (shape) {
    case 0: return dx * dx + dy * dy <= r * r;                                   // circle
    case 1: return ax <= 0.85 * r && ay <= 0.85 * r;                             // square
    case 2: return dy <= 0.625 * r && std::sqrt(3.0) * ax <= dy + 1.25 * r;      // triangle, centroid at centre
    case 3: return (ax <= r && ay <= 0.33 * r) || (ay <= r && ax <= 0.33 * r);  // cross
    case 4: return ax + ay <= 1.2 * r;                                           // diamond
    default: return ax <= r && ay <= 0.4 * r;                                    // bar
  }
}

torch::Tensor render_scene(const ShapeScene& scene, int64_t image_size, SampleRandom& random) {
  const std::array<double, 3>& rgb = colours[scene.colour].rgb;
  const double pixel = 1.0 / static_cast<double>(image_size);
  torch::Tensor image = torch::empty({3, image_size, image_size}, torch::kFloat);
  auto values = image.accessor<float, 3>();
  for (int64_t y = 0; y < image_size; ++y) {
    for (int64_t x = 0; x < image_size; ++x) {
      int inside = 0;
      for (int sy = 0; sy < subsamples; ++sy)
        for (int sx = 0; sx < subsamples; ++sx) {
          const double px = (static_cast<double>(x) + (sx + 0.5) / subsamples) * pixel;
          const double py = (static_cast<double>(y) + (sy + 0.5) / subsamples) * pixel;
          inside += shape_contains(scene.shape, px - scene.center_x, py - scene.center_y, scene.radius);
        }
      const double coverage = static_cast<double>(inside) / (subsamples * subsamples);
      for (int c = 0; c < 3; ++c) {
        const double value = background_rgb[c] + (rgb[c] - background_rgb[c]) * coverage +
                             random.uniform(-pixel_noise, pixel_noise);
        values[c][y][x] = static_cast<float>((value - pixel_mean) / pixel_std);
      }
    }
  }
  return image;
}

}  // namespace mmkd::synthetic_shapes

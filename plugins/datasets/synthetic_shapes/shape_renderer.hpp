#pragma once
// Draws a ShapeScene: the shape filled with its colour on a dark background, anti-aliased by
// supersampling, with a little pixel noise, shifted to zero mean and scaled.
#include <mmkd/sample_random.hpp>
#include "shape_scene.hpp"

#include <torch/types.h>

#include <array>

namespace mmkd::synthetic_shapes {

constexpr std::array<double, 3> background_rgb = {0.05, 0.05, 0.08};
constexpr double pixel_noise = 0.03;  // uniform in [-pixel_noise, pixel_noise]
// The dataset's mean pixel is 0.08; dividing by 0.25 rather than by the pixel std (0.11) keeps
// shapes near +3 instead of +8, which made the quickstart train faster and more reliably.
constexpr double pixel_mean = 0.08, pixel_std = 0.25;

// Whether offset (dx, dy) from the shape's centre lies inside it (y downwards).
bool shape_contains(int shape, double dx, double dy, double radius);

// float [3, image_size, image_size], (pixel - pixel_mean) / pixel_std.
torch::Tensor render_scene(const ShapeScene& scene, int64_t image_size, SampleRandom& random);

}  // namespace mmkd::synthetic_shapes

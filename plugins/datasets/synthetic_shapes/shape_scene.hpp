#pragma once
// What one synthetic image shows (shape, colour, size, grid cell, exact placement) and the
// caption that describes it.
#include <mmkd/sample_random.hpp>

#include <array>
#include <string>
#include <vector>

namespace mmkd::synthetic_shapes {

struct Colour {
  const char* name;
  std::array<double, 3> rgb;  // in [0, 1]
};

extern const std::vector<std::string> shape_names;      // circle, square, triangle, ...
extern const std::vector<Colour> colours;               // red, orange, ...
extern const std::vector<std::string> size_names;       // small, large
extern const std::vector<std::string> position_names;   // 3x3 grid, row-major: "top left" ... "bottom right"
extern const std::vector<std::string> caption_templates;  // with {size} {colour} {shape} {position}

struct ShapeScene {
  int shape = 0;
  int colour = 0;
  int size = 0;      // index into size_names
  int position = 0;  // grid cell, row * 3 + column
  int caption_template = 0;
  double center_x = 0.5, center_y = 0.5;  // in image widths, y downwards
  double radius = 0.1;                    // in image widths
};

ShapeScene draw_scene(SampleRandom& random);
std::string caption(const ShapeScene& scene);

// Every word a caption can contain, each once, in a fixed order.
std::vector<std::string> caption_words();

}  // namespace mmkd::synthetic_shapes

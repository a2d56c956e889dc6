#pragma once
// The teacher view: a second crop of each training image, augmented independently of the
// student's (as the thesis code's BEiT teacher got), output as `image_teacher`.
#include <mmkd/component.hpp>

#include <array>

namespace mmkd::image {

struct TeacherViewSettings {
  bool enabled = false;
  std::array<double, 2> crop_scale{0.9, 1.0};  // its RandomResizedCrop's area fraction range
  double color_jitter = 0.4;                   // brightness, contrast and saturation strength; 0: none
};

// Declares the options teacher_view, teacher_crop_scale and teacher_color_jitter and the output
// image_teacher, written only with teacher_view: true. Call after the dataset's other outputs.
void declare_teacher_view(ComponentInfo& info);
TeacherViewSettings read_teacher_view_options(const Options& options);

}  // namespace mmkd::image

#include <mmkd_image/teacher_view_options.hpp>

#include <mmkd_image/image_pipeline.hpp>

#include <algorithm>

namespace mmkd::image {

void declare_teacher_view(ComponentInfo& info) {
  info.option("teacher_view", false,
              "also output image_teacher: train: its own crop, flip and colour jitter; eval: the same as image")
      .option("teacher_crop_scale", std::vector<double>{0.9, 1.0},
              "teacher view: [low, high] area fraction of its RandomResizedCrop", range(0, 1))
      .option("teacher_color_jitter", 0.4,
              "teacher view: ColorJitter brightness, contrast and saturation strength (hue 0); 0: off", at_least(0))
      .output("image_teacher",
              "float [3, S, S], with teacher_view: true: train: the teacher's own crop, flip and colour jitter, "
              "normalised as image; eval: image");
  info.outputs_from([outputs = info.outputs](const Options& options) {
    std::vector<Port> ports = outputs;
    if (!options.get<bool>("teacher_view"))
      ports.erase(std::remove_if(ports.begin(), ports.end(), [](const Port& p) { return p.name == "image_teacher"; }),
                  ports.end());
    return ports;
  });
}

TeacherViewSettings read_teacher_view_options(const Options& options) {
  TeacherViewSettings s;
  s.enabled = options.get<bool>("teacher_view");
  s.crop_scale = read_interval(options, "teacher_crop_scale");
  if (s.crop_scale[0] <= 0) options.fail("teacher_crop_scale", "the low end must be > 0");
  s.color_jitter = options.get<double>("teacher_color_jitter");
  return s;
}

}  // namespace mmkd::image

#include "pair_options.hpp"

namespace mmkd::image_text {

void declare_pair_options(ComponentInfo& info) {
  info.option<int64_t>("max_text_len", 64, "tokens per text, [CLS] and [SEP] included (64 in the thesis)", at_least(2))
      .option<std::string>("on_bad_image", "skip",
                           "skip: use the next sample instead of a missing or corrupt image and count it; fail: stop",
                           one_of({"skip", "fail"}));
  image::declare_pipeline_options(info, 0);
  info.set_default("crop_scale", std::vector<double>{0.9, 1.0})  // Section 3.2.1.1.3
      .output("image", "float [3, S, S], normalised with `mean` and `std`")
      .output("text_ids", "int64 [T]: [CLS] text [SEP] [PAD]...")
      .output("text_mask", "int64 [T]: 1 = token, 0 = padding");
}

image::PipelineSettings read_pair_pipeline_options(const Options& options) {
  image::PipelineSettings settings = image::read_pipeline_options(options);
  settings.teacher = image::read_teacher_view_options(options);
  return settings;
}

}  // namespace mmkd::image_text

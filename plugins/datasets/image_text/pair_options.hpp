#pragma once
// What the image-text datasets share: caption length, bad-image handling, the image pipeline
// with the thesis' pair crop scale and the teacher view, and the text and image outputs.
#include <mmkd_image/image_pipeline.hpp>

#include <mmkd/component.hpp>

namespace mmkd::image_text {

// max_text_len, on_bad_image and the image pipeline options (crop_scale default 0.9-1.0,
// Section 3.2.1.1.3); outputs image, text_ids, text_mask. The caller adds image_id and index,
// then image::declare_teacher_view.
void declare_pair_options(ComponentInfo& info);
// The image pipeline of those options and the teacher view's.
image::PipelineSettings read_pair_pipeline_options(const Options& options);

}  // namespace mmkd::image_text

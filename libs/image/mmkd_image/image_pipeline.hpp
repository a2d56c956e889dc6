#pragma once
// What an image dataset does to each sample: decode (DCT-scaled to what the crop needs),
// crop and resize, flip, RandAugment, normalise, random erasing; the teacher view; and the options that set it.
#include <mmkd_image/image_decode.hpp>
#include <mmkd_image/image_transforms.hpp>
#include <mmkd_image/rand_augment.hpp>
#include <mmkd_image/random_erasing.hpp>
#include <mmkd_image/teacher_view_options.hpp>
#include <mmkd/sample_random.hpp>

#include <mmkd/component.hpp>

#include <array>
#include <string>
#include <vector>

namespace mmkd::image {

struct PipelineSettings {
  bool train = true;          // RandomResizedCrop + flip (+ RandAugment, erasing); else resize + centre crop
  int64_t image_size = 224;   // output side S
  int64_t eval_resize = 256;  // shorter side before the centre crop; 0: = image_size
  bool eval_crop = true;      // false: eval resizes the whole image to S x S (aspect ratio not kept)
  std::array<double, 2> crop_scale{0.08, 1.0};
  std::array<double, 2> crop_ratio{3.0 / 4.0, 4.0 / 3.0};
  double flip = 0.5;
  Normalization normalization;
  RandAugmentSettings rand_augment{0, 9, 31};
  RandomErasingSettings erasing;
  TeacherViewSettings teacher;  // read by the datasets that declare_teacher_view
};

// Declares the pipeline's options on a dataset's info; read them back with read_pipeline_options.
void declare_pipeline_options(ComponentInfo& info, int64_t default_eval_resize);
PipelineSettings read_pipeline_options(const Options& options);
// The option `name` as [low, high], low <= high.
std::array<double, 2> read_interval(const Options& options, const std::string& name);

// The geometric choices of one view, drawn before decoding so that it decodes only what they need.
struct CropPlan {
  CropBox box;  // in the pixels of the image as stored
  bool flip = false;
};

struct ImageViews {
  torch::Tensor image;
  torch::Tensor teacher;  // with settings.teacher.enabled: train: its own crop, flip, colour jitter; eval: image
};

class ImagePipeline {
 public:
  explicit ImagePipeline(PipelineSettings settings) : settings_(settings) {}

  // Train: the student's RandomResizedCrop box and flip, then, with the teacher view, the teacher's;
  // eval: the centre crop box (or the whole image), no flip.
  std::vector<CropPlan> plans(ImageSize size, SampleRandom& random) const;

  // Encoded JPEG or PNG to float [3, S, S] views.
  ImageViews views_encoded(const uint8_t* data, size_t size, SampleRandom& random) const;
  // Decoded uint8 [H, W, 3] to float [3, S, S] views.
  ImageViews views(const torch::Tensor& image, SampleRandom& random) const;

  torch::Tensor transform_encoded(const uint8_t* data, size_t size, SampleRandom& random) const {
    return views_encoded(data, size, random).image;
  }
  torch::Tensor transform(const torch::Tensor& image, SampleRandom& random) const { return views(image, random).image; }

  const PipelineSettings& settings() const { return settings_; }

 private:
  // `crops` in the pixels of `image`.
  ImageViews finish(const torch::Tensor& image, const std::vector<CropPlan>& crops, SampleRandom& random) const;
  torch::Tensor student(const torch::Tensor& image, const CropPlan& crop, SampleRandom& random) const;
  torch::Tensor teacher(const torch::Tensor& image, const CropPlan& crop, SampleRandom& random) const;
  PipelineSettings settings_;
};

}  // namespace mmkd::image

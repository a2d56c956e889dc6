#pragma once
// What an image dataset does to each sample: decode (DCT-scaled to what the crop needs),
// crop and resize, flip, RandAugment, normalise, random erasing; and the options that set it.
#include "image_decode.hpp"
#include "image_transforms.hpp"
#include "rand_augment.hpp"
#include "random_erasing.hpp"
#include <mmkd/sample_random.hpp>

#include <mmkd/component.hpp>

#include <array>

namespace mmkd::image {

struct PipelineSettings {
  bool train = true;          // RandomResizedCrop + flip (+ RandAugment, erasing); else resize + centre crop
  int64_t image_size = 224;   // output side S
  int64_t eval_resize = 256;  // shorter side before the centre crop; 0: = image_size
  std::array<double, 2> crop_scale{0.08, 1.0};
  std::array<double, 2> crop_ratio{3.0 / 4.0, 4.0 / 3.0};
  double flip = 0.5;
  Normalization normalization;
  RandAugmentSettings rand_augment{0, 9, 31};
  RandomErasingSettings erasing;
};

// Declares the pipeline's options on a dataset's info; read them back with read_pipeline_options.
void declare_pipeline_options(ComponentInfo& info, int64_t default_eval_resize);
PipelineSettings read_pipeline_options(const Options& options);

// The geometric choices of one sample, drawn first so that student and teacher views can share them.
struct CropPlan {
  CropBox box;  // in the pixels of the image as stored
  bool flip = false;
};

class ImagePipeline {
 public:
  explicit ImagePipeline(PipelineSettings settings) : settings_(settings) {}

  // Train: RandomResizedCrop box then the flip; eval: the centre crop box, no flip.
  CropPlan plan(ImageSize size, SampleRandom& random) const;

  // Encoded JPEG or PNG to float [3, S, S].
  torch::Tensor transform_encoded(const uint8_t* data, size_t size, SampleRandom& random) const;
  // Decoded uint8 [H, W, 3] to float [3, S, S].
  torch::Tensor transform(const torch::Tensor& image, SampleRandom& random) const;

  const PipelineSettings& settings() const { return settings_; }

 private:
  torch::Tensor finish(const torch::Tensor& image, const CropBox& box, bool flip, SampleRandom& random) const;
  PipelineSettings settings_;
};

}  // namespace mmkd::image

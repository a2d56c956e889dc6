#pragma once
// Random erasing (Zhong et al. 2020) as timm's RandomErasing with one box: the fine-tuning
// recipe of BEiT v2 and Data2Vec 2 (Table 27).
#include <mmkd_image/image_transforms.hpp>
#include <mmkd/sample_random.hpp>

#include <torch/types.h>

namespace mmkd::image {

struct RandomErasingSettings {
  double probability = 0;  // 0: off
  double min_area = 0.02;  // fraction of the image
  double max_area = 1.0 / 3.0;
  double min_aspect = 0.3;  // aspect ratio log-uniform in [min_aspect, 1 / min_aspect]
  bool random_values = true;  // timm's mode `pixel`: standard normal per value; false: zeros
};

// With `probability`, up to 10 draws of a box until one fits inside the float [C, H, W]
// (normalised) image, which is filled in place. Returns the box, height 0 when none.
CropBox random_erasing(torch::Tensor& image, const RandomErasingSettings& settings, SampleRandom& random);

}  // namespace mmkd::image

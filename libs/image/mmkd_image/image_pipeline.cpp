#include <mmkd_image/image_pipeline.hpp>

#include <mmkd_image/color_jitter.hpp>
#include <mmkd_image/jpeg_region.hpp>

#include <algorithm>
#include <cmath>

namespace mmkd::image {

namespace {

std::array<float, 3> read_rgb(const Options& options, const std::string& name) {
  const auto values = options.get<std::vector<double>>(name);
  if (values.size() != 3) options.fail(name, "expected 3 values (R, G, B)");
  return {static_cast<float>(values[0]), static_cast<float>(values[1]), static_cast<float>(values[2])};
}

std::vector<CropPlan> rescaled(std::vector<CropPlan> crops, ImageSize from, ImageSize to) {
  for (CropPlan& crop : crops) crop.box = scale_box(crop.box, from, to);
  return crops;
}

}  // namespace

std::array<double, 2> read_interval(const Options& options, const std::string& name) {
  const auto values = options.get<std::vector<double>>(name);
  if (values.size() != 2 || values[0] > values[1]) options.fail(name, "expected [low, high] with low <= high");
  return {values[0], values[1]};
}

void declare_pipeline_options(ComponentInfo& info, int64_t default_eval_resize) {
  info.option<std::string>("transform", "train",
                           "train: RandomResizedCrop, flip, RandAugment, erasing; eval: resize, centre crop (eval_crop)",
                           one_of({"train", "eval"}))
      .option<int64_t>("image_size", 224, "output height and width S", positive())
      .option<int64_t>("eval_resize", default_eval_resize,
                       "eval: shorter side before the S x S centre crop; 0: image_size (no crop of square images)",
                       at_least(0))
      .option("eval_crop", true,
              "eval: true: resize the shorter side to eval_resize, centre crop S x S; false: resize the whole image "
              "to S x S (aspect ratio not kept; eval_resize unused), as torchvision's Resize((S, S))")
      .option("crop_scale", std::vector<double>{0.08, 1.0}, "train: [low, high] area fraction of RandomResizedCrop",
              range(0, 1))
      .option("crop_ratio", std::vector<double>{3.0 / 4.0, 4.0 / 3.0}, "train: [low, high] aspect ratio (w / h) of the crop",
              positive())
      .option("flip", 0.5, "train: probability of a horizontal flip", range(0, 1))
      .option("mean", std::vector<double>{0.485, 0.456, 0.406}, "per-channel mean subtracted (pixels in [0, 1])")
      .option("std", std::vector<double>{0.229, 0.224, 0.225}, "per-channel divisor", positive())
      .option<int64_t>("randaugment_ops", 0, "train: RandAugment operations per image; 0: off", at_least(0))
      .option<int64_t>("randaugment_magnitude", 9, "train: RandAugment magnitude bin", at_least(0))
      .option<int64_t>("randaugment_bins", 31, "train: number of RandAugment magnitude bins", at_least(2))
      .option("random_erasing", 0.0, "train: probability of erasing one random box", range(0, 1))
      .option<std::string>("random_erasing_mode", "pixel", "pixel: standard normal values (timm); zero: zeros",
                           one_of({"pixel", "zero"}));
}

PipelineSettings read_pipeline_options(const Options& options) {
  PipelineSettings s;
  s.train = options.get<std::string>("transform") == "train";
  s.image_size = options.get<int64_t>("image_size");
  s.eval_resize = options.get<int64_t>("eval_resize");
  if (s.eval_resize == 0) s.eval_resize = s.image_size;
  s.eval_crop = options.get<bool>("eval_crop");
  if (s.eval_crop && s.eval_resize < s.image_size) options.fail("eval_resize", "must be >= image_size (" + std::to_string(s.image_size) + ") or 0");
  s.crop_scale = read_interval(options, "crop_scale");
  if (s.crop_scale[0] <= 0) options.fail("crop_scale", "the low end must be > 0");
  s.crop_ratio = read_interval(options, "crop_ratio");
  s.flip = options.get<double>("flip");
  s.normalization.mean = read_rgb(options, "mean");
  s.normalization.std = read_rgb(options, "std");
  s.rand_augment = {options.get<int64_t>("randaugment_ops"), options.get<int64_t>("randaugment_magnitude"),
                    options.get<int64_t>("randaugment_bins")};
  if (s.rand_augment.magnitude >= s.rand_augment.num_magnitude_bins)
    options.fail("randaugment_magnitude", "must be < randaugment_bins (" + std::to_string(s.rand_augment.num_magnitude_bins) + ")");
  s.erasing.probability = options.get<double>("random_erasing");
  s.erasing.random_values = options.get<std::string>("random_erasing_mode") == "pixel";
  return s;
}

std::vector<CropPlan> ImagePipeline::plans(ImageSize size, SampleRandom& random) const {
  if (!settings_.train) {
    const CropBox box = settings_.eval_crop
                            ? center_crop_box(size, settings_.eval_resize, settings_.image_size)
                            : CropBox{0, 0, static_cast<double>(size.height), static_cast<double>(size.width)};
    return {{box, false}};
  }
  const auto draw = [&](std::array<double, 2> scale) {
    CropPlan crop{random_resized_crop_box(size, scale, settings_.crop_ratio, random), false};
    crop.flip = random.chance(settings_.flip);
    return crop;
  };
  std::vector<CropPlan> crops{draw(settings_.crop_scale)};
  if (settings_.teacher.enabled) crops.push_back(draw(settings_.teacher.crop_scale));
  return crops;
}

ImageViews ImagePipeline::views_encoded(const uint8_t* data, size_t size, SampleRandom& random) const {
  const ImageSize stored = read_image_size(data, size);
  const std::vector<CropPlan> crops = plans(stored, random);
  const auto side = static_cast<double>(settings_.image_size);
  // The smallest decode at which every box still covers at least S x S pixels.
  ImageSize needed{0, 0};
  for (const CropPlan& crop : crops) {
    const double height = std::ceil(side * static_cast<double>(stored.height) / crop.box.height);
    const double width = std::ceil(side * static_cast<double>(stored.width) / crop.box.width);
    needed = {std::max(needed.height, static_cast<int64_t>(height)), std::max(needed.width, static_cast<int64_t>(width))};
  }
  if (detect_format(data, size) == ImageFormat::Jpeg) {
    const JpegScale scale = jpeg_scale_for(stored, needed);
    const ImageSize scaled{(stored.height * scale.num + scale.denom - 1) / scale.denom,
                           (stored.width * scale.num + scale.denom - 1) / scale.denom};
    std::vector<CropPlan> in_region = rescaled(crops, stored, scaled);
    // The region covering every box and the about box / S pixels around it the resampling filter reaches.
    int64_t top = scaled.height, left = scaled.width, bottom = 0, right = 0;
    for (const CropPlan& crop : in_region) {
      const CropBox& box = crop.box;
      const auto margin = static_cast<int64_t>(std::ceil(std::max(box.height, box.width) / side)) + 2;
      top = std::min(top, std::max<int64_t>(0, static_cast<int64_t>(std::floor(box.top)) - margin));
      left = std::min(left, std::max<int64_t>(0, static_cast<int64_t>(std::floor(box.left)) - margin));
      bottom = std::max(bottom, std::min(scaled.height, static_cast<int64_t>(std::ceil(box.top + box.height)) + margin));
      right = std::max(right, std::min(scaled.width, static_cast<int64_t>(std::ceil(box.left + box.width)) + margin));
    }
    const JpegRegion region = decode_jpeg_region(data, size, scale, top, left, bottom - top, right - left);
    if (region.pixels.defined()) {
      for (CropPlan& crop : in_region) {
        crop.box.top -= static_cast<double>(region.top);
        crop.box.left -= static_cast<double>(region.left);
      }
      return finish(region.pixels, in_region, random);
    }
  }
  const torch::Tensor image = decode_image(data, size, needed);
  return finish(image, rescaled(crops, stored, {image.size(0), image.size(1)}), random);
}

ImageViews ImagePipeline::views(const torch::Tensor& image, SampleRandom& random) const {
  const std::vector<CropPlan> crops = plans({image.size(0), image.size(1)}, random);
  return finish(image.contiguous(), crops, random);
}

ImageViews ImagePipeline::finish(const torch::Tensor& image, const std::vector<CropPlan>& crops,
                                 SampleRandom& random) const {
  ImageViews views{student(image, crops[0], random), {}};
  if (crops.size() > 1) views.teacher = teacher(image, crops[1], random);
  else if (settings_.teacher.enabled) views.teacher = views.image;
  return views;
}

torch::Tensor ImagePipeline::student(const torch::Tensor& image, const CropPlan& crop, SampleRandom& random) const {
  const int64_t side = settings_.image_size;
  torch::Tensor out;
  if (settings_.train && settings_.rand_augment.num_ops > 0) {
    const torch::Tensor augmented =
        rand_augment(resized_crop(image, crop.box, side, side, crop.flip), settings_.rand_augment, random);
    out = normalize(augmented, settings_.normalization);
  } else {
    out = resized_crop_normalized(image, crop.box, side, side, crop.flip, settings_.normalization);
  }
  if (settings_.train && settings_.erasing.probability > 0) random_erasing(out, settings_.erasing, random);
  return out;
}

torch::Tensor ImagePipeline::teacher(const torch::Tensor& image, const CropPlan& crop, SampleRandom& random) const {
  const int64_t side = settings_.image_size;
  const double strength = settings_.teacher.color_jitter;
  if (strength == 0) return resized_crop_normalized(image, crop.box, side, side, crop.flip, settings_.normalization);
  const ColorJitter jitter = draw_color_jitter(strength, random);
  return normalize(color_jitter(resized_crop(image, crop.box, side, side, crop.flip), jitter), settings_.normalization);
}

}  // namespace mmkd::image

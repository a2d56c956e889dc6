#include "mixup_cutmix.hpp"

#include <mmkd_image/mix_batch.hpp>

namespace mmkd::image {

ComponentInfo MixupCutmix::info() {
  return ComponentInfo("mixup_cutmix",
                       "Mixup (Zhang et al. 2018) or cutmix (Yun et al. 2019) of a training batch with its reverse, "
                       "with label-smoothed soft targets, as timm's Mixup in batch mode; defaults are the fine-tuning "
                       "values of thesis Table 27. Draws are seeded by the experiment seed, the rank and the `step` "
                       "buffer, so a resumed run continues the same sequence. In evaluation images pass through "
                       "and targets are one-hot, unsmoothed.")
      .required_option<int64_t>("num_classes", "C: number of classes of `label`", positive())
      .option<double>("mixup_alpha", 0.8, "mixup lambda ~ Beta(alpha, alpha); 0 = no mixup", at_least(0))
      .option<double>("cutmix_alpha", 1.0, "cutmix lambda ~ Beta(alpha, alpha); 0 = no cutmix", at_least(0))
      .option<double>("prob", 0.9, "probability that a batch is mixed at all", range(0, 1))
      .option<double>("switch_prob", 0.5, "probability of cutmix instead of mixup when both alphas are > 0",
                      range(0, 1))
      .option<double>("label_smoothing", 0.1, "s: labels become 1 - s + s / C and s / C before mixing", range(0, 1))
      .input("image", "float [B, channels, H, W] images", "batch.image")
      .input("label", "int64 [B] class indices in [0, num_classes)", "batch.label")
      .output("image", "[B, channels, H, W] mixed images (the input images in evaluation)")
      .output("target", "float [B, num_classes] soft targets, rows summing to 1 (one-hot in evaluation)");
}

MixupCutmix::MixupCutmix(const Options& options, const Context& context)
    : num_classes_(options.get<int64_t>("num_classes")),
      mixup_alpha_(options.get<double>("mixup_alpha")),
      cutmix_alpha_(options.get<double>("cutmix_alpha")),
      prob_(options.get<double>("prob")),
      switch_prob_(options.get<double>("switch_prob")),
      label_smoothing_(options.get<double>("label_smoothing")),
      seed_(context.seed),
      rank_(context.rank) {
  step = register_buffer("step", torch::zeros({}, torch::kLong));
}

namespace {

// `label` as int64 class indices on the CPU, checked against `image` [B, C, H, W] and num_classes.
torch::Tensor cpu_labels(const torch::Tensor& image, const torch::Tensor& label, int64_t num_classes) {
  if (image.dim() != 4)
    throw Error(c10::str("mixup_cutmix: `image` must be [B, channels, H, W], got ", image.sizes()));
  if (label.dim() != 1 || label.size(0) != image.size(0) ||
      !c10::isIntegralType(label.scalar_type(), /*includeBool=*/false))
    throw Error(c10::str("mixup_cutmix: `label` must be integer class indices [B] with B = ", image.size(0),
                         " (the batch of `image` ", image.sizes(), "), got ", label.scalar_type(), " ",
                         label.sizes()));
  const torch::Tensor labels = label.to(torch::kCPU, torch::kLong);
  if (labels.numel() > 0 && (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= num_classes))
    throw Error(c10::str("mixup_cutmix: `label` values must be in [0, num_classes = ", num_classes, "), got [",
                         labels.min().item<int64_t>(), ", ", labels.max().item<int64_t>(), "]"));
  return labels;
}

}  // namespace

TensorMap MixupCutmix::forward(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor labels = cpu_labels(image, require(inputs, "label"), num_classes_);
  if (!is_training())
    return {{"image", image}, {"target", smoothed_one_hot(labels, num_classes_, 0.0).to(image.device())}};

  torch::NoGradGuard no_grad;
  const at::Generator generator = make_generator(generator_seed(seed_, rank_, step.item<int64_t>()));
  step.add_(1);
  const MixedBatch mixed = mix_batch(image, labels, num_classes_, mixup_alpha_, cutmix_alpha_, label_smoothing_,
                                     generator, switch_prob_, prob_);
  return {{"image", mixed.images}, {"target", mixed.targets.to(image.device())}};
}

}  // namespace mmkd::image

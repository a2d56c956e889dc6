#include "clip_contrastive.hpp"

#include "clip_contrastive_loss.hpp"

#include <cmath>

namespace mmkd::clip_contrastive {

ComponentInfo ClipContrastive::info() {
  return ComponentInfo("clip_contrastive",
                       "CLIP contrastive loss (thesis Eq. 22-29): cross-entropy of each image over the batch's "
                       "texts and of each text over its images, on cosine similarities over a temperature.")
      .option<double>("init_temperature", 0.07, "initial temperature; logit_scale starts at log(1 / it)", positive())
      .option<bool>("learn_temperature", true, "train logit_scale (otherwise it stays at its initial value)")
      .option<double>("max_logit_scale", 100.0, "upper clamp of exp(logit_scale), as in CLIP", positive())
      .input("image", "[B, D] image features")
      .input("text", "[B, D] text features; row i is the pair of image i")
      .output("i2t_acc", "fraction of images whose most similar text in the batch is their pair")
      .output("t2i_acc", "fraction of texts whose most similar image in the batch is their pair")
      .output("temperature", "1 / exp(logit_scale) after the clamp");
}

ClipContrastive::ClipContrastive(const Options& options, const Context& /*context*/)
    : max_logit_scale_(options.get<double>("max_logit_scale")) {
  const double initial = std::log(1.0 / options.get<double>("init_temperature"));
  logit_scale = register_parameter("logit_scale", torch::tensor(initial, torch::kFloat),
                                   options.get<bool>("learn_temperature"));
}

LossOutput ClipContrastive::compute(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  if (image.dim() != 2 || image.sizes() != text.sizes())
    throw Error(c10::str("clip_contrastive: `image` and `text` must both be [B, D], got ", image.sizes(), " and ",
                         text.sizes()));
  const torch::Tensor scale = logit_scale.exp().clamp_max(max_logit_scale_);
  const ClipLogits logits = clip_logits(image, text, scale);
  const torch::Tensor labels = arange_targets(image.size(0), image);

  LossOutput out;
  out.loss = clip_contrastive_loss(logits, labels);
  torch::NoGradGuard no_grad;
  out.metrics["i2t_acc"] = top1_accuracy(logits.per_image, labels);
  out.metrics["t2i_acc"] = top1_accuracy(logits.per_text, labels);
  out.metrics["temperature"] = 1.0 / scale.detach();
  return out;
}

}  // namespace mmkd::clip_contrastive

#include "clip_contrastive.hpp"

#include "contrastive_math.hpp"
#include "feature_checks.hpp"

namespace mmkd::contrastive {

ComponentInfo ClipContrastive::info() {
  ComponentInfo info("clip_contrastive",
                     "CLIP contrastive loss (thesis Eq. 22-29): cross-entropy of each image over the texts of the "
                     "global batch (all ranks) and of each text over its images, on cosine similarities over a "
                     "learned temperature. Several layer pairs (Eq. 47, 53) are one loss entry each, with its own "
                     "weight and temperature.");
  LogitScale::declare(info, 0.07, true);
  info.input("image", "[B, D] image features")
      .input("text", "[B, D] text features; row i is the pair of image i")
      .output("i2t_loss", "image-to-text cross entropy (Eq. 27)")
      .output("t2i_loss", "text-to-image cross entropy (Eq. 28)")
      .output("i2t_acc", "fraction of images whose most similar text in the global batch is their pair")
      .output("t2i_acc", "fraction of texts whose most similar image in the global batch is their pair");
  return info;
}

ClipContrastive::ClipContrastive(const Options& options, const Context& context)
    : context_(context), logit_scale_(*this, options) {}

LossOutput ClipContrastive::compute(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  require_paired_features("clip_contrastive", {{"image", image}, {"text", text}});
  const torch::Tensor scale = logit_scale_.scale();
  const torch::Tensor all_image = gather_rows_with_grad(image, context_);
  const torch::Tensor all_text = gather_rows_with_grad(text, context_);
  const torch::Tensor per_image = similarity_logits(image, all_text, scale);  // Eq. 26, rows of this rank
  const torch::Tensor per_text = similarity_logits(text, all_image, scale);   // Eq. 26 transposed
  const torch::Tensor labels = arange_targets(image.size(0), image, gathered_offset(image.size(0), context_));
  const TwoSidedLoss parts = two_sided_cross_entropy(per_image, per_text, labels);  // Eq. 27-29

  LossOutput out;
  out.loss = parts.loss;
  torch::NoGradGuard no_grad;
  out.metrics["i2t_loss"] = parts.first.detach();
  out.metrics["t2i_loss"] = parts.second.detach();
  out.metrics["i2t_acc"] = top1_accuracy(per_image, labels);
  out.metrics["t2i_acc"] = top1_accuracy(per_text, labels);
  out.metrics["temperature"] = 1.0 / scale.detach();
  return out;
}

}  // namespace mmkd::contrastive

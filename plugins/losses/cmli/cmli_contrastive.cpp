#include "cmli_contrastive.hpp"


#include "cmli_tokens.hpp"
#include "late_interaction.hpp"

namespace mmkd::cmli {

ComponentInfo CmliContrastive::info() {
  ComponentInfo info("cmli_contrastive",
                       "FILIP's cross-modal late interaction contrastive loss: image i against text j scores "
                       "each patch's best word cosine averaged over patches (image to text) and each word's best "
                       "patch averaged over words (text to image; seed 004 Eq. 1-4, thesis Eq. 71-74); "
                       "cross-entropy of each image over the batch's texts and of each text over its images, "
                       "over a learnable temperature (Eq. 27-29). [I_CLS], [CLS], [EOS] and padding take no part.");
  info.input("image", "[B, 1 + N, D] image tokens, [I_CLS] first")
      .input("text", "[B, T, D] text tokens; caption i is the pair of image i")
      .input("text_mask", "[B, T] 1 = token, 0 = padding; [CLS] first and [EOS] last among the tokens",
             "batch.text_mask")
      .optional_input("image_mask", "[B, 1 + N] 1 = patch, 0 = padding (default: every patch counts)")
      .output("i2t_acc", "fraction of images whose most similar text in the batch is their pair")
      .output("t2i_acc", "fraction of texts whose most similar image in the batch is their pair");
  LogitScale::declare(info, 0.07, true);
  return info;
}

CmliContrastive::CmliContrastive(const Options& options, const Context& /*context*/)
    : logit_scale_(*this, options) {}

namespace {

void check_shapes(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& text_mask) {
  if (image.dim() != 3 || image.size(1) < 2 || text.dim() != 3 || text.size(0) != image.size(0) ||
      text.size(2) != image.size(2))
    throw Error(c10::str("cmli_contrastive: `image` must be [B, 1 + N, D] with N >= 1 and `text` [B, T, D], got ",
                         image.sizes(), " and ", text.sizes()));
  if (text_mask.sizes() != text.sizes().slice(0, 2))
    throw Error(c10::str("cmli_contrastive: `text_mask` must be [B, T] = ", text.sizes().slice(0, 2), " like `text` ",
                         text.sizes(), ", got ", text_mask.sizes()));
}

// [B, N] bool: the patches that count.
torch::Tensor valid_patches(const TensorMap& inputs, const torch::Tensor& image) {
  const torch::Tensor image_mask = optional(inputs, "image_mask");
  if (!image_mask.defined())
    return torch::ones({image.size(0), image.size(1) - 1}, image.options().dtype(torch::kBool));
  if (image_mask.sizes() != image.sizes().slice(0, 2))
    throw Error(c10::str("cmli_contrastive: `image_mask` must be [B, 1 + N] = ", image.sizes().slice(0, 2),
                         " like `image` ", image.sizes(), ", got ", image_mask.sizes()));
  const torch::Tensor valid = image_mask.slice(1, 1) != 0;
  if ((valid.sum(1) == 0).any().item<bool>())
    throw Error(c10::str("cmli_contrastive: an image has no patch in `image_mask` ", image_mask.sizes()));
  return valid;
}

}  // namespace

LossOutput CmliContrastive::compute(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  const torch::Tensor& text_mask = require(inputs, "text_mask");
  check_shapes(image, text, text_mask);
  const LateInteraction similarity = late_interaction(patches(image), valid_patches(inputs, image), text,
                                                      caption_words(text_mask, "cmli_contrastive"));
  const torch::Tensor scale = logit_scale_.scale();
  const torch::Tensor per_image = scale * similarity.i2t;     // Eq. 3
  const torch::Tensor per_text = scale * similarity.t2i.t();  // Eq. 4
  const torch::Tensor labels = arange_targets(image.size(0), image);

  LossOutput out;
  out.loss = (cross_entropy_fp32(per_image, labels) + cross_entropy_fp32(per_text, labels)) / 2;  // Eq. 27-29
  torch::NoGradGuard no_grad;
  out.metrics["i2t_acc"] = top1_accuracy(per_image, labels);
  out.metrics["t2i_acc"] = top1_accuracy(per_text, labels);
  out.metrics["temperature"] = 1.0 / scale.detach();
  return out;
}

}  // namespace mmkd::cmli

#include "contrastive_target.hpp"

#include "contrastive_math.hpp"
#include "feature_checks.hpp"

namespace mmkd::contrastive {

ComponentInfo ContrastiveTarget::info() {
  ComponentInfo info("contrastive_target",
                     "Contrastive target loss (thesis Eq. 79-85): cross entropy of the student's text [CLS] (t2i) "
                     "and image [CLS] (i2i) over the teacher's image [CLS] of the global batch (all ranks) and of a "
                     "FIFO memory bank of earlier teacher targets; the pair's own target is the positive. Eq. 81's "
                     "logits are plain cosine similarities (temperature 1, the default); the thesis' code scaled "
                     "them by a fixed 1 / 0.07 (init_temperature: 0.07, what experiments/thesis uses).");
  LogitScale::declare(info, 1.0, false);
  info.option<int64_t>("bank_size", 65536, "teacher targets kept from earlier steps (Eq. 84, G); 0 = no memory bank",
                       at_least(0))
      .option<int64_t>("dim", 768, "teacher feature dim D, the row size of the memory bank", positive())
      .input("image", "[B, D] student image [CLS] (I_s, Eq. 80)")
      .input("text", "[B, D] student text [CLS] (T_s, Eq. 79); row i is the caption of image i")
      .input("teacher", "[B, D] teacher image [CLS] (I_t, Eq. 79), the targets")
      .output("t2i_loss", "text-to-image cross entropy L_KD^t2i (Eq. 83)")
      .output("i2i_loss", "image-to-image cross entropy L_KD^i2i (Eq. 83)")
      .output("t2i_acc", "fraction of texts whose most similar teacher target is their image's")
      .output("i2i_acc", "fraction of images whose most similar teacher target is their own")
      .output("bank_fill", "teacher targets held in the memory bank");
  return info;
}

ContrastiveTarget::ContrastiveTarget(const Options& options, const Context& context)
    : context_(context), logit_scale_(*this, options) {
  const int64_t bank_size = options.get<int64_t>("bank_size");
  if (bank_size > 0)
    memory_bank_ = register_module("memory_bank", FeatureQueue(bank_size, options.get<int64_t>("dim")));
}

LossOutput ContrastiveTarget::compute(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  const torch::Tensor& teacher = require(inputs, "teacher");
  require_paired_features("contrastive_target", {{"image", image}, {"text", text}, {"teacher", teacher}});
  if (memory_bank_) require_bank_dim("contrastive_target", {"teacher", teacher}, memory_bank_->dim());

  const torch::Tensor targets = l2_normalize(gather_rows(teacher, context_));  // Eq. 79, 82: delta(I_t), all ranks
  const torch::Tensor columns = memory_bank_ ? memory_bank_->keys_after(targets) : targets;  // Eq. 84, unit rows
  const torch::Tensor scale = logit_scale_.scale();
  const int64_t batch = image.size(0);
  const torch::Tensor text_logits = unit_key_logits(text, columns, scale);    // Eq. 81, 85: L^w
  const torch::Tensor image_logits = unit_key_logits(image, columns, scale);  // Eq. 81: L^v
  const torch::Tensor labels = arange_targets(batch, image, gathered_offset(batch, context_));
  const TwoSidedLoss parts = two_sided_cross_entropy(text_logits, image_logits, labels);  // Eq. 83

  torch::NoGradGuard no_grad;
  if (memory_bank_ && is_training()) memory_bank_->push(targets);
  LossOutput out;
  out.loss = parts.loss;
  out.metrics["t2i_loss"] = parts.first.detach();
  out.metrics["i2i_loss"] = parts.second.detach();
  out.metrics["t2i_acc"] = top1_accuracy(text_logits, labels);
  out.metrics["i2i_acc"] = top1_accuracy(image_logits, labels);
  out.metrics["bank_fill"] = torch::tensor(static_cast<float>(memory_bank_ ? memory_bank_->size() : 0));
  out.metrics["temperature"] = 1.0 / scale.detach();
  return out;
}

}  // namespace mmkd::contrastive

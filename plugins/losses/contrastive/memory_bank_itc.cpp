#include "memory_bank_itc.hpp"

#include "contrastive_math.hpp"
#include "feature_checks.hpp"

namespace mmkd::contrastive {
namespace {

// A queue of `size` rows; with `random_fill`, full of rows drawn uniform [0, 1) per element and
// scaled to unit length (the thesis code's initial banks), from the default torch generator.
FeatureQueue make_queue(int64_t size, int64_t dim, bool random_fill) {
  FeatureQueue queue(size, dim);
  if (random_fill) queue->push(l2_normalize(torch::rand({size, dim})));
  return queue;
}

}  // namespace

ComponentInfo MemoryBankItc::info() {
  ComponentInfo info(
      "memory_bank_itc",
      "Image-text contrastive loss with memory banks (thesis Section 3.2.4.3): each image query is scored against "
      "the text keys of the global batch (all ranks) and a FIFO queue of earlier text keys, and each text query "
      "likewise against image keys. Keys come from the momentum encoder (Eq. 70) when `image_momentum` and "
      "`text_momentum` are connected, otherwise from the student's own features, detached (Table 21) unless "
      "`keys_with_gradient`.");
  LogitScale::declare(info, 0.07, true);
  info.option<int64_t>("queue_size", 65536, "keys kept per modality from earlier steps", positive())
      .option<int64_t>("dim", 768, "feature dim D, the row size of both queues", positive())
      .option<std::string>("initial_fill", "empty",
                           "queues at the start: `empty`, or `random`: full of unit rows drawn uniform [0, 1) per "
                           "element, then normalised, negatives from the first step as in the thesis code's banks",
                           one_of({"empty", "random"}))
      .option<bool>("keys_with_gradient", false,
                    "the batch's keys keep their gradient, gathered across ranks with it as the thesis code's "
                    "GatherLayer does (student keys; momentum keys carry none); queued keys stay constants")
      .input("image", "[B, D] student image features (queries, with gradient)")
      .input("text", "[B, D] student text features; row i is the pair of image i")
      .optional_input("image_momentum", "[B, D] image features of the momentum encoder (keys)")
      .optional_input("text_momentum", "[B, D] text features of the momentum encoder (keys)")
      .output("i2t_loss", "image-to-text cross entropy over batch and queued text keys")
      .output("t2i_loss", "text-to-image cross entropy over batch and queued image keys")
      .output("i2t_acc", "fraction of images whose most similar text key (batch and queue) is their pair's")
      .output("t2i_acc", "fraction of texts whose most similar image key (batch and queue) is their pair's")
      .output("queue_fill", "keys held in each queue");
  return info;
}

MemoryBankItc::MemoryBankItc(const Options& options, const Context& context)
    : context_(context), logit_scale_(*this, options), keys_with_gradient_(options.get<bool>("keys_with_gradient")) {
  const int64_t size = options.get<int64_t>("queue_size"), dim = options.get<int64_t>("dim");
  const bool random_fill = options.get<std::string>("initial_fill") == "random";
  image_queue_ = register_module("image_queue", make_queue(size, dim, random_fill));
  text_queue_ = register_module("text_queue", make_queue(size, dim, random_fill));
}

LossOutput MemoryBankItc::compute(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  const torch::Tensor image_momentum = optional(inputs, "image_momentum");
  const torch::Tensor text_momentum = optional(inputs, "text_momentum");
  if (image_momentum.defined() != text_momentum.defined())
    throw Error(std::string("memory_bank_itc: connect both `image_momentum` and `text_momentum` or neither; only `") +
                (image_momentum.defined() ? "image_momentum" : "text_momentum") + "` is connected");
  const torch::Tensor& image_key_source = image_momentum.defined() ? image_momentum : image;
  const torch::Tensor& text_key_source = text_momentum.defined() ? text_momentum : text;
  std::vector<PortFeatures> ports = {{"image", image}, {"text", text}};
  if (image_momentum.defined()) {
    ports.push_back({"image_momentum", image_momentum});
    ports.push_back({"text_momentum", text_momentum});
  }
  require_paired_features("memory_bank_itc", ports);
  require_bank_dim("memory_bank_itc", {"image", image}, image_queue_->dim());

  const auto gather = keys_with_gradient_ ? gather_rows_with_grad : gather_rows;
  const torch::Tensor image_keys = l2_normalize(gather(image_key_source, context_));  // Eq. 70 keys, all ranks
  const torch::Tensor text_keys = l2_normalize(gather(text_key_source, context_));
  const torch::Tensor image_columns = image_queue_->keys_after(image_keys);
  const torch::Tensor text_columns = text_queue_->keys_after(text_keys);
  const torch::Tensor scale = logit_scale_.scale();
  const torch::Tensor per_image = unit_key_logits(image, text_columns, scale);  // Eq. 26 with queued text keys
  const torch::Tensor per_text = unit_key_logits(text, image_columns, scale);   // Eq. 26 with queued image keys
  const torch::Tensor labels = arange_targets(image.size(0), image, gathered_offset(image.size(0), context_));
  const TwoSidedLoss parts = two_sided_cross_entropy(per_image, per_text, labels);  // Eq. 27-29

  torch::NoGradGuard no_grad;
  if (is_training()) {
    image_queue_->push(image_keys);
    text_queue_->push(text_keys);
  }
  LossOutput out;
  out.loss = parts.loss;
  out.metrics["i2t_loss"] = parts.first.detach();
  out.metrics["t2i_loss"] = parts.second.detach();
  out.metrics["i2t_acc"] = top1_accuracy(per_image, labels);
  out.metrics["t2i_acc"] = top1_accuracy(per_text, labels);
  out.metrics["queue_fill"] = torch::tensor(static_cast<float>(image_queue_->size()));
  out.metrics["temperature"] = 1.0 / scale.detach();
  return out;
}

}  // namespace mmkd::contrastive

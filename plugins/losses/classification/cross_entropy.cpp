#include "cross_entropy.hpp"

namespace mmkd::classification {

ComponentInfo CrossEntropy::info() {
  return ComponentInfo("cross_entropy",
                       "Cross entropy of class logits in float32 (thesis Eq. 27-28) against class indices, "
                       "label-smoothed by `label_smoothing`, or against soft targets used as given (mixup and "
                       "cutmix targets, Table 27).")
      .input("logits", "[B, C] class logits (e.g. classifier.logits)")
      .input("target",
             "int64 [B] class indices in [0, C), or float [B, C] soft targets whose rows sum to 1 (e.g. "
             "mixup_cutmix.target)",
             "batch.label")
      .option<double>("label_smoothing", 0.0,
                      "s: class-index targets become 1 - s + s / C on the label and s / C elsewhere; soft targets "
                      "are not smoothed again",
                      range(0, 1))
      .output("accuracy", "fraction of rows whose largest logit is the label (the largest soft target)");
}

CrossEntropy::CrossEntropy(const Options& options, const Context& /*context*/)
    : label_smoothing_(options.get<double>("label_smoothing")) {}

namespace {

// Class indices [B] of `target`, checked against logits [B, C].
torch::Tensor class_indices(const torch::Tensor& target, const torch::Tensor& logits) {
  const int64_t batch = logits.size(0), classes = logits.size(1);
  if (target.dim() != 1 || target.size(0) != batch)
    throw Error(c10::str("cross_entropy: integer `target` must be class indices [B] with B = ", batch,
                         " (the rows of `logits` ", logits.sizes(), "), got ", target.sizes()));
  const torch::Tensor labels = target.to(torch::kLong);
  // Checked where reading the labels costs no device sync (CPU runs, `mmkd validate --shapes`);
  // on a GPU nll_loss' own device assert stops a bad index.
  if (labels.is_cpu() && ((labels < 0) | (labels >= classes)).any().item<bool>())
    throw Error(c10::str("cross_entropy: `target` class indices must be in [0, ", classes, ") (C of `logits` ",
                         logits.sizes(), "), got values in [", labels.min().item<int64_t>(), ", ",
                         labels.max().item<int64_t>(), "]"));
  return labels;
}

}  // namespace

LossOutput CrossEntropy::compute(const TensorMap& inputs) {
  const torch::Tensor& logits = require(inputs, "logits");
  const torch::Tensor target = require(inputs, "target").detach();
  if (logits.dim() != 2) throw Error(c10::str("cross_entropy: `logits` must be [B, C], got ", logits.sizes()));

  LossOutput out;
  torch::Tensor labels;
  if (target.is_floating_point()) {
    if (target.sizes() != logits.sizes())
      throw Error(c10::str("cross_entropy: float `target` must be soft targets [B, C] shaped like `logits` ",
                           logits.sizes(), ", got ", target.sizes()));
    out.loss = soft_cross_entropy_fp32(logits, target);  // -sum_c q_c log p_c, averaged over the batch
    labels = target.argmax(1);
  } else {
    labels = class_indices(target, logits);
    out.loss = cross_entropy_fp32(logits, labels);  // Eq. 27-28
    if (label_smoothing_ > 0)  // smoothed one-hot: (1 - s) CE + s * mean_c(-log p_c)
      out.loss = (1 - label_smoothing_) * out.loss - label_smoothing_ * log_softmax_fp32(logits, 1).mean(1).mean();
  }
  out.metrics["accuracy"] = top1_accuracy(logits, labels);
  return out;
}

}  // namespace mmkd::classification

#include "codis_alignment.hpp"

#include "codis_inputs.hpp"

namespace mmkd::codebook_ot {

ComponentInfo CodisAlignment::info() {
  ComponentInfo info("codis_alignment",
                     "CODIS intra- and cross-modal alignment L_ica (Eq. 4-5): each student feature against the "
                     "momentum features of the batch (all processes) and of a queue, with momentum-teacher "
                     "soft targets.");
  info.option<int64_t>("dim", 256, "feature dimension", at_least(1))
      .option<int64_t>("queue_size", 65536, "rows kept in each of the queues Q_v and Q_t", at_least(1))
      .option<double>("distill_alpha", 0.4,
                      "weight of the momentum teacher's similarities in the targets y; the rest is the one-hot "
                      "pair (1: the teacher alone, as in Algorithm 1; 0: plain InfoNCE)",
                      range(0, 1))
      .option<double>("intra_weight", 1.0, "weight of the intra-modal terms H(p_i2i, y_i2i) + H(p_t2t, y_t2t)",
                      at_least(0))
      .option<double>("cross_weight", 1.0, "weight of the cross-modal terms H(p_i2t, y_i2t) + H(p_t2i, y_t2i)",
                      at_least(0));
  LearnableTemperature::declare_options(info);
  declare_codis_inputs(info);
  info.output("i2t", "H(p_i2t, y_i2t): images against the text queue")
      .output("t2i", "H(p_t2i, y_t2i): texts against the image queue")
      .output("i2i", "H(p_i2i, y_i2i): images against the image queue")
      .output("t2t", "H(p_t2t, y_t2t): texts against the text queue")
      .output("i2t_acc", "fraction of images whose most similar text candidate is their pair")
      .output("t2i_acc", "fraction of texts whose most similar image candidate is their pair")
      .output("queue_rows", "rows held in each queue before this step")
      .output("temperature", "gamma after the clamp");
  return info;
}

CodisAlignment::CodisAlignment(const Options& options, const Context& context)
    : context_(context),
      temperature_(*this, options),
      distill_alpha_(options.get<double>("distill_alpha")),
      intra_weight_(options.get<double>("intra_weight")),
      cross_weight_(options.get<double>("cross_weight")) {
  const int64_t queue_size = options.get<int64_t>("queue_size"), dim = options.get<int64_t>("dim");
  image_queue = register_module("image_queue", FeatureQueue(queue_size, dim));
  text_queue = register_module("text_queue", FeatureQueue(queue_size, dim));
}

LossOutput CodisAlignment::compute(const TensorMap& inputs) {
  const CodisFeatures f = read_codis_features("codis_alignment", inputs, image_queue->dim());
  const torch::Tensor image_batch = gather_rows(l2_normalize(f.image_momentum), context_);
  const torch::Tensor text_batch = gather_rows(l2_normalize(f.text_momentum), context_);
  const torch::Tensor image_candidates = image_queue->keys_after(image_batch);
  const torch::Tensor text_candidates = text_queue->keys_after(text_batch);
  const torch::Tensor positives =
      arange_targets(f.image.size(0), f.image, gathered_offset(f.image.size(0), context_));
  const IcaTerms terms = ica_terms(f.image, f.text, f.image_momentum, f.text_momentum, image_candidates,
                                   text_candidates, positives, temperature_.value(), distill_alpha_);

  LossOutput out;
  out.loss = intra_weight_ * (terms.t2t.loss + terms.i2i.loss) + cross_weight_ * (terms.t2i.loss + terms.i2t.loss);  // Eq. 5
  torch::NoGradGuard no_grad;
  out.metrics["i2t"] = terms.i2t.loss.detach();
  out.metrics["t2i"] = terms.t2i.loss.detach();
  out.metrics["i2i"] = terms.i2i.loss.detach();
  out.metrics["t2t"] = terms.t2t.loss.detach();
  out.metrics["i2t_acc"] = top1_accuracy(terms.i2t.logits, positives);
  out.metrics["t2i_acc"] = top1_accuracy(terms.t2i.logits, positives);
  out.metrics["queue_rows"] = torch::tensor(static_cast<double>(image_queue->size()));
  out.metrics["temperature"] = temperature_.value().detach();
  if (is_training()) {
    image_queue->push(image_batch);
    text_queue->push(text_batch);
  }
  return out;
}

}  // namespace mmkd::codebook_ot

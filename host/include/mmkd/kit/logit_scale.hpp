#pragma once
// The temperature of a contrastive loss, learned in log space as in CLIP (thesis Eq. 34):
// logits are cosine similarities times exp(logit_scale), clamped at `max_logit_scale`.
#include <mmkd/component.hpp>

namespace mmkd {

class LogitScale {
 public:
  // Declares the options init_temperature, learn_temperature, max_logit_scale and the metric
  // `temperature`, with the given defaults.
  static void declare(ComponentInfo& info, double init_temperature, bool learn_temperature);

  // Registers the scalar parameter "logit_scale" = log(1 / init_temperature) of `owner`.
  LogitScale(torch::nn::Module& owner, const Options& options);

  // exp(logit_scale) clamped at max_logit_scale: the factor of the cosine similarities.
  torch::Tensor scale() const;

 private:
  torch::Tensor logit_scale_;
  double max_logit_scale_;
};

}  // namespace mmkd

#pragma once
// Loss `itm`: image-text matching with feature fusion (thesis Eq. 64-67) for one layer's image
// and text CLS representations, on B positive and 2B negative pairs per batch.
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <mmkd/mmkd.hpp>

#include "itm_negatives.hpp"

namespace mmkd::itm {

class Itm : public Loss {
 public:
  static ComponentInfo info();
  Itm(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;
  // {"match_score": [N] float, logit(match) - logit(no match)} of the N pairs (image row i, text row i).
  TensorMap evaluate(const TensorMap& inputs) override;

  torch::nn::Linear image_projection{nullptr};  // W_[I_ITM], Eq. 64
  torch::nn::Linear text_projection{nullptr};   // W_[T_ITM], Eq. 64
  torch::nn::Linear classifier{nullptr};        // W_itm_cls, b_itm_cls, Eq. 65: logit 0 no match, 1 match
  torch::Tensor step;                           // long scalar: training batches seen, seeds their negatives

 private:
  Negatives draw_negatives(const torch::Tensor& image_features, const torch::Tensor& text_features);

  bool hard_negatives_;
  double temperature_;
  uint64_t seed_;
  int rank_;
};

}  // namespace mmkd::itm

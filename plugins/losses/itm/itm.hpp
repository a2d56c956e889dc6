#pragma once
// Loss `itm`: image-text matching with feature fusion (thesis Eq. 64-67) for one layer's image
// and text CLS representations, on B positive and 2B negative pairs per batch; the head is the
// text's projected sum or the thesis code's concatenation MLP (`head`).
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <mmkd/mmkd.hpp>

#include "concat_mlp_head.hpp"
#include "itm_negatives.hpp"

namespace mmkd::itm {

class Itm : public Loss {
 public:
  static ComponentInfo info();
  Itm(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;
  // {"match_score": [N] float, logit(match) - logit(no match)} of the N pairs (image row i, text row i).
  TensorMap evaluate(const TensorMap& inputs) override;

  // head projected_sum, Eq. 64-65 (null under concat_mlp)
  torch::nn::Linear image_projection{nullptr};  // W_[I_ITM], Eq. 64
  torch::nn::Linear text_projection{nullptr};   // W_[T_ITM], Eq. 64
  torch::nn::Linear classifier{nullptr};        // W_itm_cls, b_itm_cls, Eq. 65: logit 0 no match, 1 match
  ConcatMlpHead mlp{nullptr};                   // head concat_mlp (null under projected_sum)
  torch::Tensor step;                           // long scalar: training batches seen, seeds their negatives

 private:
  Negatives draw_negatives(const torch::Tensor& image_features, const torch::Tensor& text_features);
  // Logits [P, 2] of the P pairs (image row image_index[p], text row text_index[p]).
  torch::Tensor pair_logits(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& image_index,
                            const torch::Tensor& text_index);
  const torch::Tensor& head_weight() const;  // the first layer's: the head's device and dtype

  int64_t dim_;
  bool hard_negatives_;
  double temperature_;
  uint64_t seed_;
  int rank_;
};

}  // namespace mmkd::itm

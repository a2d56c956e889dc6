#pragma once
// Loss `image_vq`: vector quantisation of the teacher's [I_CLS] with an EMA codebook and a
// masked-token decoder that reconstructs it (thesis section 3.2.7, Eq. 86-90).
#include "vq_decoder.hpp"

#include <mmkd/mmkd.hpp>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

namespace mmkd::image_vq {

class ImageVq : public Loss {
 public:
  static ComponentInfo info();
  ImageVq(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;
  // {"codes": int64 [B]}: the codeword m_i chosen for each `teacher_cls` row (Eq. 86); changes no buffer.
  TensorMap evaluate(const TensorMap& inputs) override;

  torch::nn::Linear quantise_down{nullptr};  // W_q_down [D -> S], no bias (down_projection: linear)
  torch::nn::Sequential quantise_mlp{nullptr};  // Linear, Tanh, Linear (down_projection: tanh_mlp)
  torch::nn::Linear codeword_up{nullptr};    // W_b_up [S -> D], no bias
  torch::Tensor mask_token;                  // h_[MASK] [D]
  VqDecoder decoder{nullptr};
  torch::Tensor codebook;  // buffer Q [J, S], updated by EMA (Eq. 89-90)
  torch::Tensor step;      // buffer, long scalar: training steps taken; seeds the token mask

 private:
  torch::Tensor project_down(const torch::Tensor& teacher_cls);
  void update_codebook(const torch::Tensor& projected, const torch::Tensor& indices);

  Context context_;
  int64_t dim_, codebook_size_;
  double mask_prob_;
  bool exact_mask_;
  double ema_decay_, commitment_weight_;
};

}  // namespace mmkd::image_vq

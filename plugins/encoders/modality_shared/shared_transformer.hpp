#pragma once
// Encoder `shared_transformer`: one pre-LN transformer layer and a classification head (Eq. 50-52),
// one module applied to the image and to the text sequence alike.
#include "feed_forward.hpp"
#include <mmkd_transformer/layers/attention.hpp>

#include <mmkd/mmkd.hpp>

namespace mmkd::shared {

class SharedTransformer : public Encoder {
 public:
  static ComponentInfo info();
  SharedTransformer(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  torch::nn::LayerNorm norm1{nullptr};    // LN before MHA (Eq. 50)
  transformer::SelfAttention attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr};    // LN before W1 (Eq. 51)
  FeedForward mlp{nullptr};               // W1, b1, LN (mlp_norm), W2, b2 (Eq. 51)
  torch::nn::Dropout dropout{nullptr};    // on H'' in the residual branch
  torch::nn::LayerNorm norm{nullptr};     // H_ln (Eq. 51)
  torch::nn::Linear head{nullptr};        // W3, b3 (Eq. 52)
  torch::Tensor gamma_1, gamma_2;         // LayerScale on both branches (layer_scale > 0)

 private:
  int64_t dim_;
  bool residual_linear2_;
  bool head_on_tokens_;
};

}  // namespace mmkd::shared

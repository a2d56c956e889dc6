#pragma once
// Encoder `shared_mlp`: SHRe's shared 3-layer MLP (Eq. 43-44), one module applied to the image
// and to the text [CLS] representation.
#include "feed_forward.hpp"

#include <mmkd/mmkd.hpp>

namespace mmkd::shared {

class SharedMlp : public Encoder {
 public:
  static ComponentInfo info();
  SharedMlp(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  FeedForward mlp{nullptr};             // W1, b1, LN, W2, b2 (Eq. 43)
  torch::nn::LayerNorm norm{nullptr};   // LN of Eq. 44
  torch::nn::Linear head{nullptr};      // W3, b3 (Eq. 44)

 private:
  int64_t dim_;
};

}  // namespace mmkd::shared

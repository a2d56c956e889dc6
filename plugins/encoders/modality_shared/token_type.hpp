#pragma once
// Encoder `token_type`: token-type embeddings added to the image and text encoders' outputs,
// scaled by one LayerScale shared by both modalities (Eq. 61-62).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <string>
#include <vector>

namespace mmkd::shared {

class TokenType : public Encoder {
 public:
  static ComponentInfo info();
  TokenType(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  torch::Tensor type_embed;  // [2, dim]: row 0 t_type^w (text), row 1 t_type^v (image)
  torch::Tensor scale;       // [dim] t_scale; undefined with layer_scale 0

 private:
  int64_t dim_;
  std::vector<std::string> modalities_;
};

}  // namespace mmkd::shared

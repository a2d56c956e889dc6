#pragma once
// Encoder `text_transformer`: token and learned position embeddings, transformer blocks with
// padding masked out of attention, final LayerNorm; the first token ([CLS]) is `cls`.
#include <mmkd_transformer/transformer_encoder.hpp>

#include <torch/nn/modules/embedding.h>

namespace mmkd::transformer {

class TextTransformer : public TransformerEncoder {
 public:
  static ComponentInfo info();
  TextTransformer(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;

  torch::nn::Embedding token_embed{nullptr};  // [vocab_size, dim]
  torch::Tensor pos_embed;                    // [1, max_len, dim]
};

}  // namespace mmkd::transformer

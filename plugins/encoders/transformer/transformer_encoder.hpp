#pragma once
// What `vit` and `text_transformer` share: the options of the transformer trunk, the blocks,
// the final LayerNorm and the projection of the CLS token to the output embedding.
#include <mmkd/mmkd.hpp>
#include <torch/torch.h>

namespace mmkd::transformer {

struct TransformerOptions {
  int64_t dim = 0, depth = 0, heads = 0, mlp_hidden_dim = 0, embed_dim = 0;
  double dropout = 0;

  static void declare(ComponentInfo& info);  // dim, depth, heads, mlp_ratio, dropout, embed_dim
  static TransformerOptions read(const Options& options);  // options.fail() on inconsistent values
};

class TransformerEncoder : public Encoder {
 protected:
  explicit TransformerEncoder(const TransformerOptions& options);

  // x [B, T, dim] embedded tokens, CLS first; key_mask [B, T] (nonzero = token) or undefined.
  // Returns tokens [B, T, dim], cls [B, dim] and embedding [B, embed_dim or dim].
  TensorMap encode(const torch::Tensor& x, const torch::Tensor& key_mask);

  TransformerOptions options_;
  torch::nn::Dropout dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};  // none when embed_dim is 0
};

}  // namespace mmkd::transformer

#pragma once
// Encoder `bert`: BERT's word, position and token-type embeddings, post-LN blocks with padding
// masked out of attention, optional pooler; loads Hugging Face `BertModel` checkpoints.
#include <mmkd_transformer/transformer_encoder.hpp>

#include <torch/nn/modules/embedding.h>

namespace mmkd::transformer {

class Bert : public Encoder {
 public:
  static ComponentInfo info();
  Bert(const Options& options, const Context& context);

  TensorMap forward(const TensorMap& inputs) override;
  CheckpointLayout export_layout() const override;
  // Hugging Face key names; `layers`: the checkpoint layer of each block (others ignored), empty = i.
  CheckpointLayout layout(const std::vector<int64_t>& layers) const;

  torch::nn::Embedding word_embed{nullptr}, pos_embed{nullptr}, type_embed{nullptr};
  torch::nn::LayerNorm embed_norm{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::Linear pooler{nullptr};  // tanh(pooler(cls)), with `pooler: true`
  torch::nn::Linear head{nullptr};    // embed_dim > 0
  torch::Tensor modality_type_embed;  // [1, 1, dim], a new token-type vector with `type_embedding: true` (Eq. 58)

 private:
  TransformerOptions options_;
  CheckpointOptions checkpoint_;
  bool mean_pooling_;
  bool layers_include_embeddings_;
};

}  // namespace mmkd::transformer

#pragma once
// What `vit` and `text_transformer` share: the options of the pre-LN transformer trunk, the
// blocks, the final LayerNorm and the projection of the pooled token to the output embedding.
#include <mmkd_transformer/layers/transformer_block.hpp>

#include <mmkd/mmkd.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

namespace mmkd::transformer {

struct TransformerOptions {
  int64_t dim = 0, depth = 0, heads = 0, mlp_hidden_dim = 0, embed_dim = 0;
  double dropout = 0, drop_path = 0, layer_scale = 0, norm_eps = 1e-6;
  std::string qkv_bias = "all";
  bool checkpoint_activations = false, output_layers = false, type_embedding = false;
  std::string relative_position = "none";       // none, per_layer or shared (BEiT)
  int64_t grid_height = 0, grid_width = 0;       // patch grid, for relative positions
  bool post_norm = false;   // input LayerNorm, post-LN blocks, no final LayerNorm (fairseq's Data2Vec2)
  bool final_norm = true;   // the LayerNorm `norm` exists (pre-LN trunks, and mean pooling)
  bool output_ffn = false;  // also output `ffn_layers`

  // dim, depth, heads, mlp_ratio, dropout, drop_path, layer_scale, qkv_bias, norm_eps,
  // type_embedding, checkpoint_activations, output_layers, embed_dim
  static void declare(ComponentInfo& info);
  static TransformerOptions read(const Options& options);  // options.fail() on inconsistent values
  BlockOptions block(int64_t index) const;                  // drop path rises linearly to `drop_path`
};

class TransformerEncoder : public Encoder {
 protected:
  explicit TransformerEncoder(const TransformerOptions& options);

  // x [B, T, dim] embedded tokens with positions, CLS first (the type embedding is added here);
  // key_mask [B, T] (nonzero = token) or undefined. With mean_pool the pooled token is
  // norm(mean of tokens 1..T-1) and `tokens` stay unnormalised, as in BEiT's classifier;
  // otherwise tokens = norm(last block) (no norm after post-LN blocks) and pooled = cls.
  // Returns tokens, cls, pooled, embedding (head(pooled) or pooled) and, with output_layers,
  // layers [depth, B, T, dim] (every block's output), with output_ffn ffn_layers (every MLP output).
  TensorMap encode(const torch::Tensor& x, const torch::Tensor& key_mask, bool mean_pool = false);

  TransformerOptions options_;
  torch::nn::Dropout dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm input_norm{nullptr};  // post_norm only
  torch::nn::LayerNorm norm{nullptr};        // final_norm only
  torch::nn::Linear head{nullptr};  // none when embed_dim is 0
  RelativePositionBias rel_pos_bias{nullptr};  // relative_position: shared
  torch::Tensor type_embed;                    // [1, 1, dim] with type_embedding
};

// Declares the outputs every trunk writes, plus `layers` when output_layers is set.
std::vector<Port> trunk_outputs(const Options& options, std::vector<Port> own);

}  // namespace mmkd::transformer

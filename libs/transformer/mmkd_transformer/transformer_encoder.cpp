#include <mmkd_transformer/transformer_encoder.hpp>

#include <mmkd_transformer/layers/activation_checkpoint.hpp>
#include <mmkd_transformer/layers/linear_init.hpp>

#include <cmath>

namespace mmkd::transformer {
namespace {

// A pre- or post-LN block on x: its output and its MLP output.
std::pair<torch::Tensor, torch::Tensor> run_block(torch::nn::Module& block, const torch::Tensor& x,
                                                  const torch::Tensor& bias) {
  if (auto* post_norm = block.as<PostNormBlock>()) return post_norm->forward_with_ffn(x, {}, bias);
  return block.as<TransformerBlock>()->forward_with_ffn(x, {}, bias);
}

}  // namespace

void TransformerOptions::declare(ComponentInfo& info) {
  info.option<int64_t>("dim", 64, "token width", positive())
      .option<int64_t>("depth", 2, "number of transformer blocks", at_least(0))
      .option<int64_t>("heads", 4, "attention heads; must divide dim", positive())
      .option<double>("mlp_ratio", 4.0, "MLP hidden width as a multiple of dim", positive())
      .option<double>("dropout", 0.0, "dropout on embeddings, attention weights and block outputs", range(0, 1))
      .option<double>("drop_path", 0.0, "stochastic depth of the last block; rises linearly from 0 at the first",
                      range(0, 1))
      .option<double>("layer_scale", 0.0, "initial per-channel scale of both residual branches (BEiT); 0 = none",
                      at_least(0))
      .option<std::string>("qkv_bias", "all", "biases of the query/key/value projection: all, qv (BEiT), none",
                           one_of({"all", "qv", "none"}))
      .option<double>("norm_eps", 1e-6, "LayerNorm epsilon (timm 1e-6, Hugging Face 1e-12)", positive())
      .option<bool>("type_embedding", false,
                    "add a learned token-type embedding to every input token, before the blocks (Eq. 58-59)")
      .option<bool>("checkpoint_activations", false,
                    "recompute each block in the backward pass instead of storing its activations")
      .option<bool>("output_layers", false, "also output `layers`, every block's output stacked")
      .option<int64_t>("embed_dim", 0, "width of `embedding`, a linear map of the pooled token without bias; 0 = none",
                       at_least(0));
}

TransformerOptions TransformerOptions::read(const Options& options) {
  TransformerOptions o;
  o.dim = options.get<int64_t>("dim");
  o.depth = options.get<int64_t>("depth");
  o.heads = options.get<int64_t>("heads");
  o.mlp_hidden_dim = std::llround(static_cast<double>(o.dim) * options.get<double>("mlp_ratio"));
  o.dropout = options.get<double>("dropout");
  o.drop_path = options.get<double>("drop_path");
  o.layer_scale = options.get<double>("layer_scale");
  o.qkv_bias = options.get<std::string>("qkv_bias");
  o.norm_eps = options.get<double>("norm_eps");
  o.type_embedding = options.get<bool>("type_embedding");
  o.checkpoint_activations = options.get<bool>("checkpoint_activations");
  o.output_layers = options.get<bool>("output_layers");
  o.embed_dim = options.get<int64_t>("embed_dim");
  if (o.dim % o.heads != 0)
    options.fail("heads", c10::str("dim ", o.dim, " is not divisible by heads ", o.heads));
  if (o.mlp_hidden_dim < 1) options.fail("mlp_ratio", c10::str("dim * mlp_ratio must be at least 1, got ", o.dim, " * ",
                                                              options.get<double>("mlp_ratio")));
  return o;
}

BlockOptions TransformerOptions::block(int64_t index) const {
  BlockOptions b;
  b.attention = {dim, heads, dropout, qkv_bias};
  b.mlp_hidden_dim = mlp_hidden_dim;
  b.layer_scale = layer_scale;
  b.drop_path = depth > 1 ? drop_path * static_cast<double>(index) / static_cast<double>(depth - 1) : drop_path;
  b.norm_eps = norm_eps;
  if (relative_position == "per_layer") b.relative_grid_height = grid_height, b.relative_grid_width = grid_width;
  return b;
}

std::vector<Port> trunk_outputs(const Options& options, std::vector<Port> own) {
  own.push_back({"cls", "[B, dim]: the first token of `tokens`"});
  own.push_back({"pooled", "[B, dim]: cls, or with mean pooling the normalised mean of the other tokens"});
  own.push_back({"embedding", "[B, embed_dim], or `pooled` when embed_dim is 0"});
  if (options.get<bool>("output_layers"))
    own.push_back({"layers", "[depth, B, T, dim]: the output of every block (before the final LayerNorm)"});
  return own;
}

TransformerEncoder::TransformerEncoder(const TransformerOptions& options)
    : options_(options),
      dropout(register_module("dropout", torch::nn::Dropout(options.dropout))),
      blocks(register_module("blocks", torch::nn::ModuleList())) {
  if (options.post_norm) input_norm = register_module("input_norm", layer_norm(options.dim, options.norm_eps));
  for (int64_t i = 0; i < options.depth; ++i) {
    if (options.post_norm) blocks->push_back(PostNormBlock(options.block(i)));
    else blocks->push_back(TransformerBlock(options.block(i)));
  }
  if (options.final_norm) norm = register_module("norm", layer_norm(options.dim, options.norm_eps));
  if (options.embed_dim > 0) head = register_module("head", normal_linear(options.dim, options.embed_dim, false));
  if (options.relative_position == "shared")
    rel_pos_bias = register_module("rel_pos_bias",
                                   RelativePositionBias(options.grid_height, options.grid_width, options.heads));
  if (options.type_embedding) type_embed = register_parameter("type_embed", torch::randn({1, 1, options.dim}) * 0.02);
}

TensorMap TransformerEncoder::encode(const torch::Tensor& x, const torch::Tensor& key_mask, bool mean_pool) {
  const bool recompute = options_.checkpoint_activations && is_training() && torch::GradMode::is_enabled();
  torch::Tensor tokens = type_embed.defined() ? x + type_embed : x;  // Eq. 58-60
  tokens = dropout(input_norm ? input_norm(tokens) : tokens);
  std::vector<torch::Tensor> layers, ffn_layers;
  // Padding and the shared relative position bias, once per forward (a recomputed block
  // gathers the relative bias again, so that its gradient reaches the table).
  const torch::Tensor padding = key_mask.defined() ? padding_bias(key_mask, x) : torch::Tensor();
  auto with_relative = [this, padding] {
    if (!rel_pos_bias) return padding;
    return padding.defined() ? padding + rel_pos_bias->forward() : rel_pos_bias->forward();
  };
  const torch::Tensor bias = recompute ? padding : with_relative();
  for (const auto& module : *blocks) {
    auto run = [module, bias, recompute, with_relative](const torch::Tensor& t) {
      return run_block(*module, t, recompute ? with_relative() : bias);
    };
    if (recompute) {
      std::vector<torch::Tensor> parameters = module->parameters();
      if (rel_pos_bias) parameters.push_back(rel_pos_bias->relative_position_bias_table);
      tokens = checkpointed([run](const torch::Tensor& t) { return run(t).first; }, tokens, parameters);
    } else {
      auto [output, ffn] = run(tokens);
      tokens = output;
      if (options_.output_ffn) ffn_layers.push_back(ffn);
    }
    if (options_.output_layers) layers.push_back(tokens);
  }
  torch::Tensor pooled;
  if (mean_pool) {
    pooled = norm(tokens.slice(1, 1).mean(1));
  } else {
    if (norm) tokens = norm(tokens);
    pooled = tokens.select(1, 0);
  }
  TensorMap out{{"tokens", tokens}, {"cls", tokens.select(1, 0)}, {"pooled", pooled},
                {"embedding", head ? head(pooled) : pooled}};
  if (options_.output_layers) out["layers"] = torch::stack(layers);
  if (options_.output_ffn) out["ffn_layers"] = torch::stack(ffn_layers);  // Eq. 38: fairseq's layer_results
  return out;
}

}  // namespace mmkd::transformer

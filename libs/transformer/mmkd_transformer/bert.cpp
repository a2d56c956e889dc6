#include <mmkd_transformer/bert.hpp>

#include <mmkd_transformer/layers/activation_checkpoint.hpp>
#include <mmkd_transformer/layers/linear_init.hpp>
#include <mmkd_transformer/library_config.hpp>

namespace mmkd::transformer {

ComponentInfo Bert::info() {
  ComponentInfo info("bert", "BERT text encoder (post-LN; defaults: BERT-base): word, position and token-type embeddings, transformer "
                             "blocks with padding masked out of attention; Hugging Face BertModel key names.");
  info.option<int64_t>("vocab_size", 30522, "number of token ids", positive())
      .option<int64_t>("max_len", 512, "number of position embeddings", positive())
      .option<int64_t>("type_vocab_size", 2, "number of token types", positive())
      .option<bool>("pooler", false, "pooled = tanh(linear(cls)) as BertModel's pooler; otherwise pooled = cls")
      .option<std::string>("pooling", "cls",
                           "cls: pooled = cls (or the pooler's output); mean: pooled = mean of the non-padding "
                           "tokens, as sentence-transformers pools (all-MiniLM-L6-v2)",
                           one_of({"cls", "mean"}))
      .option<bool>("layers_include_embeddings", false,
                    "with output_layers: `layers` starts with the embeddings' output, as BertModel's hidden_states "
                    "(depth + 1 entries; the thesis code's text KD averages them all)");
  TransformerOptions::declare(info);
  info.set_default("dim", int64_t{768})  // BERT-base
      .set_default("depth", int64_t{12})
      .set_default("heads", int64_t{12})
      .set_default("norm_eps", 1e-12);
  CheckpointOptions::declare(info, {"hf_bert"}, true);
  info.input("ids", "int64 [B, T] token ids, [CLS] first; T <= max_len", "batch.text_ids")
      .input("mask", "[B, T]: 1 = token, 0 = padding", "batch.text_mask")
      .optional_input("types", "int64 [B, T] token types; all 0 when not connected")
      .outputs_from([](const Options& options) {
        return trunk_outputs(options, {{"tokens", "[B, T, dim] output of the last block (padding carries no meaning)"}});
      });
  return info;
}

namespace {
TransformerOptions read_options(const Options& options) {
  TransformerOptions o = TransformerOptions::read(options);
  if (o.qkv_bias != "all") options.fail("qkv_bias", "BERT has query, key and value biases: use all");
  if (o.layer_scale > 0) options.fail("layer_scale", "BERT has no LayerScale: use 0");
  return o;
}

// Mean of the tokens where mask is nonzero (sentence-transformers' mean pooling).
torch::Tensor masked_mean(const torch::Tensor& tokens, const torch::Tensor& mask) {
  torch::Tensor weights = mask.to(tokens.dtype()).unsqueeze(-1);
  return (tokens * weights).sum(1) / weights.sum(1).clamp_min(1e-9);
}

torch::nn::Embedding embedding(int64_t rows, int64_t dim) {
  torch::nn::Embedding e(rows, dim);
  torch::NoGradGuard no_grad;
  e->weight.normal_(0.0, 0.02);
  return e;
}
}  // namespace

Bert::Bert(const Options& options, const Context& context)
    : options_(read_options(options)),
      checkpoint_(CheckpointOptions::read(options, context)),
      mean_pooling_(options.get<std::string>("pooling") == "mean"),
      layers_include_embeddings_(options.get<bool>("layers_include_embeddings")) {
  if (layers_include_embeddings_ && !options_.output_layers)
    options.fail("layers_include_embeddings", "needs output_layers: true");
  const int64_t dim = options_.dim;
  word_embed = register_module("word_embed", embedding(options.get<int64_t>("vocab_size"), dim));
  pos_embed = register_module("pos_embed", embedding(options.get<int64_t>("max_len"), dim));
  type_embed = register_module("type_embed", embedding(options.get<int64_t>("type_vocab_size"), dim));
  if (options_.type_embedding)
    modality_type_embed = register_parameter("modality_type_embed", torch::randn({1, 1, dim}) * 0.02);
  embed_norm = register_module("embed_norm", layer_norm(dim, options_.norm_eps));
  dropout = register_module("dropout", torch::nn::Dropout(options_.dropout));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < options_.depth; ++i) blocks->push_back(PostNormBlock(options_.block(i)));
  if (mean_pooling_ && options.get<bool>("pooler"))
    options.fail("pooling", "mean pooling replaces BertModel's pooler: set pooler: false");
  if (options.get<bool>("pooler")) pooler = register_module("pooler", normal_linear(dim, dim));
  if (options_.embed_dim > 0) head = register_module("head", normal_linear(dim, options_.embed_dim, false));
  checkpoint_.check_layers(options_.depth);
  checkpoint_.load_into(*this, layout(checkpoint_.layers));
}

TensorMap Bert::forward(const TensorMap& inputs) {
  const torch::Tensor& ids = require(inputs, "ids");
  const torch::Tensor& mask = require(inputs, "mask");
  if (ids.dim() != 2 || mask.sizes() != ids.sizes())
    throw Error(c10::str("bert: `ids` and `mask` must both be [B, T], got ", ids.sizes(), " and ", mask.sizes()));
  if (ids.size(1) > pos_embed->weight.size(0))
    throw Error(c10::str("bert: ", ids.size(1), " tokens exceed max_len ", pos_embed->weight.size(0)));
  torch::Tensor types = optional(inputs, "types");
  if (!types.defined()) types = torch::zeros_like(ids);
  torch::Tensor positions = torch::arange(ids.size(1), ids.options()).unsqueeze(0);
  torch::Tensor embedded = word_embed(ids) + pos_embed(positions) + type_embed(types);
  if (modality_type_embed.defined()) embedded = embedded + modality_type_embed;  // Eq. 58: a new T_type^w
  torch::Tensor tokens = dropout(embed_norm(embedded));
  const bool recompute = options_.checkpoint_activations && is_training() && torch::GradMode::is_enabled();
  std::vector<torch::Tensor> layers;
  if (layers_include_embeddings_) layers.push_back(tokens);
  const torch::Tensor padding = padding_bias(mask, tokens);  // once per forward
  for (const auto& module : *blocks) {
    auto block = module->as<PostNormBlock>();
    auto run = [block, padding](const torch::Tensor& t) { return block->forward(t, {}, padding); };
    tokens = recompute ? checkpointed(run, tokens, block->parameters()) : run(tokens);
    if (options_.output_layers) layers.push_back(tokens);
  }
  torch::Tensor cls = tokens.select(1, 0);
  torch::Tensor pooled = mean_pooling_ ? masked_mean(tokens, mask) : pooler ? torch::tanh(pooler(cls)) : cls;
  TensorMap out{{"tokens", tokens}, {"cls", cls}, {"pooled", pooled}, {"embedding", head ? head(pooled) : pooled}};
  if (options_.output_layers) out["layers"] = torch::stack(layers);
  return out;
}

CheckpointLayout Bert::export_layout() const {
  if (modality_type_embed.defined())
    throw Error("bert: `type_embedding: true` adds a vector BertModel has no key for; it is not exported");
  CheckpointLayout exported = layout({});
  exported.library_config = transformers_bert_config(options_, word_embed->weight.size(0), pos_embed->weight.size(0),
                                                     type_embed->weight.size(0));
  return exported;
}

CheckpointLayout Bert::layout(const std::vector<int64_t>& layers) const {
  static const std::map<std::string, std::vector<std::string>> block_keys = {
      {"attn.qkv.weight", {"attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight"}},
      {"attn.qkv.bias", {"attention.self.query.bias", "attention.self.key.bias", "attention.self.value.bias"}},
      {"attn.proj.weight", {"attention.output.dense.weight"}},
      {"attn.proj.bias", {"attention.output.dense.bias"}},
      {"norm1.weight", {"attention.output.LayerNorm.weight"}},
      {"norm1.bias", {"attention.output.LayerNorm.bias"}},
      {"mlp.fc1.weight", {"intermediate.dense.weight"}},
      {"mlp.fc1.bias", {"intermediate.dense.bias"}},
      {"mlp.fc2.weight", {"output.dense.weight"}},
      {"mlp.fc2.bias", {"output.dense.bias"}},
      {"norm2.weight", {"output.LayerNorm.weight"}},
      {"norm2.bias", {"output.LayerNorm.bias"}},
  };
  CheckpointLayout layout;
  layout.format = "hf_bert";
  layout.base_prefixes = {"bert."};
  layout.accept_legacy_ending("LayerNorm.weight", "LayerNorm.gamma");  // BERT's files on the hub
  layout.accept_legacy_ending("LayerNorm.bias", "LayerNorm.beta");
  layout.bind("word_embed.weight", "embeddings.word_embeddings.weight");
  layout.bind("pos_embed.weight", "embeddings.position_embeddings.weight");
  layout.bind("type_embed.weight", "embeddings.token_type_embeddings.weight");
  layout.bind("embed_norm.weight", "embeddings.LayerNorm.weight");
  layout.bind("embed_norm.bias", "embeddings.LayerNorm.bias");
  for (int64_t i = 0; i < options_.depth; ++i) {
    const std::string source = "encoder.layer." + std::to_string(layers.empty() ? i : layers[i]) + ".";
    for (const auto& [local, keys] : block_keys) {
      std::vector<std::string> full;
      for (const auto& key : keys) full.push_back(source + key);
      layout.bind("blocks." + std::to_string(i) + "." + local, full);
    }
  }
  if (pooler) {
    layout.bind("pooler.weight", "pooler.dense.weight");
    layout.bind("pooler.bias", "pooler.dense.bias");
  } else {
    layout.ignored_prefixes.push_back("pooler.");
  }
  if (head) layout.bind_optional("head.weight", "embedding_head.weight");
  if (modality_type_embed.defined()) layout.bind_optional("modality_type_embed", "modality_type_embed");  // fresh
  layout.ignored_keys.push_back("embeddings.position_ids");
  layout.ignore_other_layers("encoder.layer.", layers);
  return layout;
}

}  // namespace mmkd::transformer

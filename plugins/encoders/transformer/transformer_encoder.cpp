#include "transformer_encoder.hpp"

#include "linear_init.hpp"
#include "transformer_block.hpp"

#include <cmath>

namespace mmkd::transformer {

void TransformerOptions::declare(ComponentInfo& info) {
  info.option<int64_t>("dim", 64, "token width", positive())
      .option<int64_t>("depth", 2, "number of transformer blocks", at_least(0))
      .option<int64_t>("heads", 4, "attention heads; must divide dim", positive())
      .option<double>("mlp_ratio", 4.0, "MLP hidden width as a multiple of dim", positive())
      .option<double>("dropout", 0.0, "dropout on embeddings, attention weights and block outputs", range(0, 1))
      .option<int64_t>("embed_dim", 0, "width of `embedding`, a linear map of cls without bias; 0 = cls itself",
                       at_least(0));
}

TransformerOptions TransformerOptions::read(const Options& options) {
  TransformerOptions o;
  o.dim = options.get<int64_t>("dim");
  o.depth = options.get<int64_t>("depth");
  o.heads = options.get<int64_t>("heads");
  o.mlp_hidden_dim = std::llround(static_cast<double>(o.dim) * options.get<double>("mlp_ratio"));
  o.dropout = options.get<double>("dropout");
  o.embed_dim = options.get<int64_t>("embed_dim");
  if (o.dim % o.heads != 0)
    options.fail("heads", c10::str("dim ", o.dim, " is not divisible by heads ", o.heads));
  if (o.mlp_hidden_dim < 1) options.fail("mlp_ratio", c10::str("dim * mlp_ratio must be at least 1, got ", o.dim, " * ",
                                                              options.get<double>("mlp_ratio")));
  return o;
}

TransformerEncoder::TransformerEncoder(const TransformerOptions& options)
    : options_(options),
      dropout(register_module("dropout", torch::nn::Dropout(options.dropout))),
      blocks(register_module("blocks", torch::nn::ModuleList())),
      norm(register_module("norm", layer_norm(options.dim))) {
  for (int64_t i = 0; i < options.depth; ++i)
    blocks->push_back(TransformerBlock(options.dim, options.heads, options.mlp_hidden_dim, options.dropout));
  if (options.embed_dim > 0) head = register_module("head", normal_linear(options.dim, options.embed_dim, false));
}

TensorMap TransformerEncoder::encode(const torch::Tensor& x, const torch::Tensor& key_mask) {
  torch::Tensor tokens = dropout(x);
  for (const auto& block : *blocks) tokens = block->as<TransformerBlock>()->forward(tokens, key_mask);
  tokens = norm(tokens);
  torch::Tensor cls = tokens.select(1, 0);
  return {{"tokens", tokens}, {"cls", cls}, {"embedding", head ? head(cls) : cls}};
}

}  // namespace mmkd::transformer

#include <mmkd_transformer/text_transformer.hpp>

namespace mmkd::transformer {

ComponentInfo TextTransformer::info() {
  ComponentInfo info("text_transformer", "Text transformer (pre-LN): token and learned position embeddings, "
                                         "transformer blocks with padding masked out of attention, final LayerNorm.");
  info.option<int64_t>("vocab_size", 64, "number of token ids", positive())
      .option<int64_t>("max_len", 16, "longest sequence, in tokens", positive());
  TransformerOptions::declare(info);
  info.input("ids", "int64 [B, T] token ids, [CLS] first; T <= max_len", "batch.text_ids")
      .input("mask", "[B, T]: 1 = token, 0 = padding", "batch.text_mask")
      .outputs_from([](const Options& options) {
        return trunk_outputs(options,
                             {{"tokens", "[B, T, dim] after the final LayerNorm (padding positions carry no meaning)"}});
      });
  return info;
}

TextTransformer::TextTransformer(const Options& options, const Context& /*context*/)
    : TransformerEncoder(TransformerOptions::read(options)) {
  const int64_t dim = options_.dim;
  token_embed = register_module("token_embed", torch::nn::Embedding(options.get<int64_t>("vocab_size"), dim));
  {
    torch::NoGradGuard no_grad;
    token_embed->weight.normal_(0.0, 0.02);
  }
  pos_embed = register_parameter("pos_embed", torch::randn({1, options.get<int64_t>("max_len"), dim}) * 0.02);
}

TensorMap TextTransformer::forward(const TensorMap& inputs) {
  const torch::Tensor& ids = require(inputs, "ids");
  const torch::Tensor& mask = require(inputs, "mask");
  if (ids.dim() != 2 || mask.sizes() != ids.sizes())
    throw Error(c10::str("text_transformer: `ids` and `mask` must both be [B, T], got ", ids.sizes(), " and ",
                         mask.sizes()));
  if (ids.size(1) > pos_embed.size(1))
    throw Error(c10::str("text_transformer: ", ids.size(1), " tokens exceed max_len ", pos_embed.size(1)));
  torch::Tensor x = token_embed(ids) + pos_embed.slice(1, 0, ids.size(1));
  return encode(x, mask);
}

}  // namespace mmkd::transformer

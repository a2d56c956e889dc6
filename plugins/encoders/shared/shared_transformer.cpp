#include "shared_transformer.hpp"

#include "input_checks.hpp"
#include "layers/linear_init.hpp"
#include "layers/transformer_block.hpp"

namespace mmkd::shared {

ComponentInfo SharedTransformer::info() {
  return ComponentInfo("shared_transformer",
                       "Transformer SHRe shared encoder (Eq. 50-52): one pre-LN transformer layer that keeps the raw "
                       "outputs of both MLP linear layers, a final LayerNorm and a head on the first token; share one "
                       "node between image and text with `share:`.")
      .option<int64_t>("dim", 768, "token width D", positive())
      .option<int64_t>("heads", 12, "attention heads; must divide dim", positive())
      .option<int64_t>("hidden_dim", 3072, "width of H', the first linear layer's output", positive())
      .option<int64_t>("classes", 1000, "width of h''', the head's logits (ImageNet-1K classes)", positive())
      .option<double>("dropout", 0.0,
                      "dropout on the attention weights and output, the GELU activations and H'' before the residual",
                      range(0, 1))
      .option<double>("norm_eps", 1e-6, "LayerNorm epsilon (as the ViT trunk, timm 1e-6)", positive())
      .input("tokens", "[B, T, dim] encoder output, [CLS] first, e.g. image.tokens or text.tokens")
      .optional_input("mask", "[B, T]: 1 = token, 0 = padding (masked out as attention keys), e.g. batch.text_mask")
      .output("linear1", "[B, hidden_dim] H'[:, 0], raw output of linear layer 1 at the first token (Eq. 51)")
      .output("linear2", "[B, dim] H''[:, 0], raw output of linear layer 2 at the first token (Eq. 51)")
      .output("head", "[B, classes] h''', logits of linear layer 3 on H_ln[:, 0] (Eq. 52)")
      .output("tokens", "[B, T, dim] H_ln, the layer's output (Eq. 51)")
      .output("cls", "[B, dim] H_ln[:, 0]");
}

SharedTransformer::SharedTransformer(const Options& options, const Context& /*context*/)
    : dim_(options.get<int64_t>("dim")) {
  const int64_t heads = options.get<int64_t>("heads");
  if (dim_ % heads != 0) options.fail("heads", c10::str("must divide dim (", dim_, "), got ", heads));
  const double dropout_p = options.get<double>("dropout"), eps = options.get<double>("norm_eps");
  norm1 = register_module("norm1", transformer::layer_norm(dim_, eps));
  attn = register_module("attn",
                         transformer::SelfAttention(transformer::AttentionOptions{dim_, heads, dropout_p, "all"}));
  norm2 = register_module("norm2", transformer::layer_norm(dim_, eps));
  mlp = register_module("mlp", FeedForward(dim_, options.get<int64_t>("hidden_dim"), dropout_p, eps));
  dropout = register_module("dropout", torch::nn::Dropout(dropout_p));
  norm = register_module("norm", transformer::layer_norm(dim_, eps));
  head = register_module("head", transformer::normal_linear(dim_, options.get<int64_t>("classes")));
}

TensorMap SharedTransformer::forward(const TensorMap& inputs) {
  const torch::Tensor& tokens = require_features(inputs, "shared_transformer", "tokens", 3, dim_);
  auto found = inputs.find("mask");
  const torch::Tensor mask = found != inputs.end() ? found->second : torch::Tensor();
  if (mask.defined() && (mask.dim() != 2 || mask.size(0) != tokens.size(0) || mask.size(1) != tokens.size(1)))
    throw Error(c10::str("shared_transformer: input `mask` must be [B, T] = [", tokens.size(0), ", ", tokens.size(1),
                         "] like `tokens`, got ", mask.sizes()));
  torch::Tensor h_mha = attn(norm1(tokens), mask) + tokens;  // Eq. 50
  auto [linear1, linear2] = mlp(norm2(h_mha));               // Eq. 51: H', H''
  torch::Tensor h_ln = norm(dropout(linear2) + h_mha);       // Eq. 51
  torch::Tensor cls = h_ln.select(1, 0);
  return {{"linear1", linear1.select(1, 0)}, {"linear2", linear2.select(1, 0)}, {"head", head(cls)},  // Eq. 52
          {"tokens", h_ln}, {"cls", cls}};
}

}  // namespace mmkd::shared

#include "shared_transformer.hpp"

#include "input_checks.hpp"
#include <mmkd_transformer/layers/linear_init.hpp>
#include <mmkd_transformer/layers/transformer_block.hpp>

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
      .option<double>("layer_scale", 0.0,
                      "initial value of LayerScale's per-channel scales on the attention and MLP branches; 0 = none "
                      "(Eq. 50-51), the thesis code 0.2",
                      at_least(0))
      .option<bool>("mlp_norm", true,
                    "a LayerNorm between GELU and the second linear layer (Eq. 51); the thesis code has none")
      .option<std::string>("linear2_output", "fc2",
                           "what `linear2` is: `fc2`, H''[:, 0], the second linear layer's raw output (Eq. 51), or "
                           "`residual`, the block's output before the final LayerNorm at the first token (the thesis "
                           "code's h'', which its contrastive loss and retrieval read)",
                           one_of({"fc2", "residual"}))
      .option<bool>("head_on_tokens", false,
                    "also output `head_tokens`, the head applied to every token (Target-CMLI's student tokens, as the "
                    "thesis code regressed them)")
      .input("tokens", "[B, T, dim] encoder output, [CLS] first, e.g. image.tokens or text.tokens")
      .optional_input("mask", "[B, T]: 1 = token, 0 = padding (masked out as attention keys), e.g. batch.text_mask")
      .outputs_from([](const Options& options) {
        std::vector<Port> outputs = {
            {"linear1", "[B, hidden_dim] H'[:, 0], raw output of linear layer 1 at the first token (Eq. 51)"},
            {"linear2", "[B, dim] H''[:, 0], raw output of linear layer 2 at the first token (Eq. 51), or the "
                        "residual output (linear2_output)"},
            {"head", "[B, classes] h''', logits of linear layer 3 on H_ln[:, 0] (Eq. 52)"},
            {"tokens", "[B, T, dim] H_ln, the layer's output (Eq. 51)"},
            {"cls", "[B, dim] H_ln[:, 0]"}};
        if (options.get<bool>("head_on_tokens"))
          outputs.push_back({"head_tokens", "[B, T, classes] linear layer 3 on every token of H_ln (Eq. 75's H''')"});
        return outputs;
      });
}

SharedTransformer::SharedTransformer(const Options& options, const Context& /*context*/)
    : dim_(options.get<int64_t>("dim")), residual_linear2_(options.get<std::string>("linear2_output") == "residual"),
      head_on_tokens_(options.get<bool>("head_on_tokens")) {
  const int64_t heads = options.get<int64_t>("heads");
  if (dim_ % heads != 0) options.fail("heads", c10::str("must divide dim (", dim_, "), got ", heads));
  const double dropout_p = options.get<double>("dropout"), eps = options.get<double>("norm_eps");
  norm1 = register_module("norm1", transformer::layer_norm(dim_, eps));
  attn = register_module("attn",
                         transformer::SelfAttention(transformer::AttentionOptions{dim_, heads, dropout_p, "all"}));
  norm2 = register_module("norm2", transformer::layer_norm(dim_, eps));
  mlp = register_module(
      "mlp", FeedForward(dim_, options.get<int64_t>("hidden_dim"), dropout_p, eps, options.get<bool>("mlp_norm")));
  if (const double scale = options.get<double>("layer_scale"); scale > 0) {
    gamma_1 = register_parameter("gamma_1", torch::full({dim_}, scale));
    gamma_2 = register_parameter("gamma_2", torch::full({dim_}, scale));
  }
  dropout = register_module("dropout", torch::nn::Dropout(dropout_p));
  norm = register_module("norm", transformer::layer_norm(dim_, eps));
  head = register_module("head", transformer::normal_linear(dim_, options.get<int64_t>("classes")));
}

TensorMap SharedTransformer::forward(const TensorMap& inputs) {
  const torch::Tensor& tokens = require_features(inputs, "shared_transformer", "tokens", 3, dim_);
  const torch::Tensor mask = optional(inputs, "mask");
  if (mask.defined() && (mask.dim() != 2 || mask.size(0) != tokens.size(0) || mask.size(1) != tokens.size(1)))
    throw Error(c10::str("shared_transformer: input `mask` must be [B, T] = [", tokens.size(0), ", ", tokens.size(1),
                         "] like `tokens`, got ", mask.sizes()));
  auto scaled = [](const torch::Tensor& branch, const torch::Tensor& gamma) {
    return gamma.defined() ? branch * gamma : branch;
  };
  torch::Tensor h_mha = scaled(attn(norm1(tokens), mask), gamma_1) + tokens;  // Eq. 50
  auto [linear1, linear2] = mlp(norm2(h_mha));                                 // Eq. 51: H', H''
  torch::Tensor residual = scaled(dropout(linear2), gamma_2) + h_mha;
  torch::Tensor h_ln = norm(residual);  // Eq. 51
  torch::Tensor cls = h_ln.select(1, 0);
  const torch::Tensor& h2 = residual_linear2_ ? residual : linear2;
  TensorMap out{{"linear1", linear1.select(1, 0)}, {"linear2", h2.select(1, 0)}, {"head", head(cls)},  // Eq. 52
                {"tokens", h_ln}, {"cls", cls}};
  if (head_on_tokens_) out["head_tokens"] = head(h_ln);
  return out;
}

}  // namespace mmkd::shared

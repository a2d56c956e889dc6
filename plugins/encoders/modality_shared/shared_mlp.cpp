#include "shared_mlp.hpp"

#include "input_checks.hpp"
#include <mmkd_transformer/layers/linear_init.hpp>
#include <mmkd_transformer/layers/transformer_block.hpp>

namespace mmkd::shared {

ComponentInfo SharedMlp::info() {
  return ComponentInfo("shared_mlp",
                       "SHRe shared encoder, a 3-layer MLP (Eq. 43-44): h' = x W1 + b1, h'' = LN(GELU(h')) W2 + b2, "
                       "h''' = LN(h'') W3 + b3; share one node between image and text with `share:`.")
      .option<int64_t>("dim", 768, "width D of the input and of h''", positive())
      .option<int64_t>("hidden_dim", 3072, "width of h', the first linear layer's output", positive())
      .option<int64_t>("classes", 1000, "width of h''', the head's logits (ImageNet-1K classes)", positive())
      .option<double>("dropout", 0.0, "dropout on the GELU activations", range(0, 1))
      .option<double>("norm_eps", 1e-6, "LayerNorm epsilon (as the ViT trunk, timm 1e-6)", positive())
      .input("x", "[B, dim] representation to encode, e.g. image.cls or text.cls")
      .output("linear1", "[B, hidden_dim] h', raw output of linear layer 1 (Eq. 43)")
      .output("linear2", "[B, dim] h'', raw output of linear layer 2 (Eq. 43)")
      .output("head", "[B, classes] h''', logits of linear layer 3 (Eq. 44)");
}

SharedMlp::SharedMlp(const Options& options, const Context& /*context*/) : dim_(options.get<int64_t>("dim")) {
  const double eps = options.get<double>("norm_eps");
  const int64_t hidden_dim = options.get<int64_t>("hidden_dim");
  mlp = register_module("mlp", FeedForward(dim_, hidden_dim, options.get<double>("dropout"), eps));
  norm = register_module("norm", transformer::layer_norm(dim_, eps));
  head = register_module("head", transformer::normal_linear(dim_, options.get<int64_t>("classes")));
}

TensorMap SharedMlp::forward(const TensorMap& inputs) {
  const torch::Tensor& x = require_features(inputs, "shared_mlp", "x", 2, dim_);
  auto [linear1, linear2] = mlp(x);  // Eq. 43
  return {{"linear1", linear1}, {"linear2", linear2}, {"head", head(norm(linear2))}};  // Eq. 44
}

}  // namespace mmkd::shared

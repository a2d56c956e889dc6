#include "classifier.hpp"

#include <mmkd_transformer/layers/transformer_block.hpp>

#include <cmath>

namespace mmkd::heads {

namespace {

// N(0, std^2) truncated to [-2 std, 2 std], by inverse-CDF sampling as torch's trunc_normal_.
void truncated_normal_(torch::Tensor weight, double std) {
  torch::NoGradGuard no_grad;
  const double cdf_low = 0.5 * (1 + std::erf(-2 / std::sqrt(2.0))), cdf_high = 1 - cdf_low;
  weight.uniform_(2 * cdf_low - 1, 2 * cdf_high - 1).erfinv_().mul_(std * std::sqrt(2.0)).clamp_(-2 * std, 2 * std);
}

}  // namespace

ComponentInfo Classifier::info() {
  return ComponentInfo("classifier",
                       "Classification head for fine-tuning and linear probing (thesis Sec. 3.1.1.3, Code 1): the "
                       "tokens are pooled (by default the mean of the patch tokens, CLS excluded), layer-normalised "
                       "and mapped to class logits by a linear layer. num_classes 1 gives a regression score "
                       "(GLUE STS-B). For linear probing, mark the pretrained model nodes `frozen: true`.")
      .required_option<int64_t>("num_classes", "C: number of classes (1 for a regression score)", positive())
      .option<int64_t>("dim", 768, "D: size of each token", positive())
      .option<std::string>("pooling", "mean_patches",
                           "mean_patches: mean of tokens[:, 1:], the CLS token excluded (Code 1); mean: of all "
                           "tokens (padding included); cls: tokens[:, 0]; none: `tokens` are already [B, D]",
                           one_of({"mean_patches", "mean", "cls", "none"}))
      .option<std::string>("norm", "layer_norm", "layer_norm of the pooled features (Code 1) or none",
                           one_of({"layer_norm", "none"}))
      .option<double>("norm_eps", 1e-6, "LayerNorm epsilon (BEiT v2 and timm use 1e-6)", positive())
      .option<double>("dropout", 0.0, "dropout on the normalised features, before the linear layer", range(0, 1))
      .option<double>("init_std", 0.02,
                      "linear weights ~ N(0, init_std^2) truncated to +-2 init_std; bias zero", positive())
      .input("tokens", "[B, T, dim] token sequence, CLS first (e.g. vit.tokens, bert.tokens); [B, dim] with "
                       "`pooling: none`")
      .output("logits", "[B, num_classes] class logits");
}

Classifier::Classifier(const Options& options, const Context& /*context*/)
    : pooling_(options.get<std::string>("pooling")), dim_(options.get<int64_t>("dim")) {
  if (options.get<std::string>("norm") == "layer_norm")
    norm = register_module("norm", transformer::layer_norm(dim_, options.get<double>("norm_eps")));
  dropout = register_module("dropout", torch::nn::Dropout(options.get<double>("dropout")));
  head = register_module("head", torch::nn::Linear(dim_, options.get<int64_t>("num_classes")));
  truncated_normal_(head->weight, options.get<double>("init_std"));
  torch::NoGradGuard no_grad;
  head->bias.zero_();
}

torch::Tensor Classifier::pool(const torch::Tensor& tokens) const {
  const bool sequence = pooling_ != "none";
  const int64_t min_tokens = pooling_ == "mean_patches" ? 2 : 1;
  const bool ok = sequence ? tokens.dim() == 3 && tokens.size(1) >= min_tokens && tokens.size(2) == dim_
                           : tokens.dim() == 2 && tokens.size(1) == dim_;
  if (!ok)
    throw Error(c10::str("classifier: `tokens` must be ", sequence ? "[B, T, " : "[B, ", dim_, "]",
                         pooling_ == "mean_patches" ? " with T >= 2 (CLS and at least one patch)" : "",
                         " for pooling `", pooling_, "`, got ", tokens.sizes()));
  if (pooling_ == "mean_patches") return tokens.slice(1, 1).mean(1);  // Code 1: x[:, 1:].mean(dim=1)
  if (pooling_ == "mean") return tokens.mean(1);
  if (pooling_ == "cls") return tokens.select(1, 0);
  return tokens;
}

TensorMap Classifier::forward(const TensorMap& inputs) {
  torch::Tensor features = pool(require(inputs, "tokens").to(head->weight.scalar_type()));
  if (norm) features = norm(features);       // Code 1: layer_norm(x)
  return {{"logits", head(dropout(features))}};  // Code 1: cls_head(x)
}

}  // namespace mmkd::heads

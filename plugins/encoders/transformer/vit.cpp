#include "vit.hpp"

namespace mmkd::transformer {

ComponentInfo VisionTransformer::info() {
  ComponentInfo info("vit", "Vision Transformer (pre-LN): patch embedding, CLS token, learned absolute positions, "
                            "transformer blocks, final LayerNorm.");
  info.option<int64_t>("image_size", 16, "input height and width in pixels", positive())
      .option<int64_t>("patch_size", 4, "patch height and width in pixels; must divide image_size", positive())
      .option<int64_t>("channels", 3, "input channels", positive());
  TransformerOptions::declare(info);
  info.input("image", "float [B, channels, image_size, image_size]", "batch.image")
      .output("tokens", "[B, 1 + N, dim] after the final LayerNorm, CLS first; N = (image_size / patch_size)^2")
      .output("cls", "[B, dim]: the CLS token of `tokens`")
      .output("embedding", "[B, embed_dim], or [B, dim] when embed_dim is 0");
  return info;
}

namespace {
TransformerOptions checked(const Options& options) {
  const int64_t image_size = options.get<int64_t>("image_size"), patch_size = options.get<int64_t>("patch_size");
  if (image_size % patch_size != 0)
    options.fail("patch_size", c10::str("image_size ", image_size, " is not divisible by patch_size ", patch_size));
  return TransformerOptions::read(options);
}
}  // namespace

VisionTransformer::VisionTransformer(const Options& options, const Context& /*context*/)
    : TransformerEncoder(checked(options)),
      image_size_(options.get<int64_t>("image_size")),
      channels_(options.get<int64_t>("channels")) {
  const int64_t patch_size = options.get<int64_t>("patch_size");
  const int64_t patches = (image_size_ / patch_size) * (image_size_ / patch_size);
  const int64_t dim = options_.dim;
  patch_embed = register_module(
      "patch_embed", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels_, dim, patch_size).stride(patch_size)));
  cls_token = register_parameter("cls_token", torch::randn({1, 1, dim}) * 0.02);
  pos_embed = register_parameter("pos_embed", torch::randn({1, 1 + patches, dim}) * 0.02);
}

TensorMap VisionTransformer::forward(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  if (image.dim() != 4 || image.size(1) != channels_ || image.size(2) != image_size_ || image.size(3) != image_size_)
    throw Error(c10::str("vit: `image` must be [B, ", channels_, ", ", image_size_, ", ", image_size_, "], got ",
                         image.sizes()));
  torch::Tensor patches = patch_embed(image).flatten(2).transpose(1, 2);  // [B, N, dim]
  torch::Tensor x = torch::cat({cls_token.expand({image.size(0), -1, -1}), patches}, 1) + pos_embed;
  return encode(x, {});
}

}  // namespace mmkd::transformer

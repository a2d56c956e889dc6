#include <mmkd_transformer/vit.hpp>

#include <mmkd_transformer/library_config.hpp>

#include <cmath>

namespace mmkd::transformer {

void VisionTransformer::declare(ComponentInfo& info) {
  info.option<int64_t>("image_size", 16, "input height and width in pixels", positive())
      .option<int64_t>("patch_size", 4, "patch height and width in pixels; must divide image_size", positive())
      .option<int64_t>("channels", 3, "input channels", positive())
      .option<std::string>("position", "learned", "absolute positions: learned, sincos (fixed, Data2Vec2) or none",
                           one_of({"learned", "sincos", "none"}))
      .option<std::string>("relative_position", "none",
                           "relative position bias (BEiT): none, per_layer or shared by all blocks",
                           one_of({"none", "per_layer", "shared"}))
      .option<std::string>("pooling", "cls",
                           "cls: final LayerNorm on all tokens, pooled = CLS; mean: pooled = LayerNorm of the mean "
                           "patch token (BEiT v2 and Data2Vec2 classifiers)",
                           one_of({"cls", "mean"}))
      .option<std::string>("block", "pre_norm",
                           "pre_norm: LayerNorm before attention and MLP, final LayerNorm (ViT, BEiT, timm); "
                           "post_norm: LayerNorm on the input tokens and after each residual, no final LayerNorm "
                           "(Data2Vec2 as fairseq builds it)",
                           one_of({"pre_norm", "post_norm"}))
      .option<bool>("final_norm", true,
                    "pre_norm: the final LayerNorm on the tokens; false leaves it out (the thesis code's BEiT v2 "
                    "teacher for the contrastive target loss with memory bank, Table 25)")
      .option<bool>("output_ffn", false,
                    "also output `ffn_layers`, every block's MLP output before its residual (Data2Vec2's targets)")
      .option<int64_t>("prenet_depth", 2,
                       "format fairseq_data2vec2: the checkpoint's first blocks that are its image encoder's prenet "
                       "(context_encoder.blocks; 2 in base_imagenet.pt); `layers` counts them first",
                       at_least(0));
  TransformerOptions::declare(info);
  CheckpointOptions::declare(info, {"timm_vit", "timm_beitv2", "hf_beit", "hf_data2vec_vision", "fairseq_data2vec2"},
                             true);
  info.input("image", "float [B, channels, image_size, image_size]", "batch.image")
      .outputs_from([](const Options& options) {
        std::vector<Port> ports = trunk_outputs(options, {{"tokens", "[B, 1 + N, dim], CLS first; N = (image_size / "
                                                                     "patch_size)^2"},
                                                          {"patches", "[B, N, dim]: `tokens` without the CLS token"}});
        if (options.get<bool>("output_ffn"))
          ports.push_back({"ffn_layers", "[depth, B, 1 + N, dim]: every block's MLP output before its residual"});
        return ports;
      });
}

ComponentInfo VisionTransformer::info() {
  ComponentInfo info("vit", "Vision Transformer (pre-LN; ViT, BEiT v2 and Data2Vec2 variants): patch embedding, CLS "
                            "token, learned, fixed sin-cos or relative positions, optional LayerScale.");
  declare(info);
  return info;
}

torch::Tensor sincos_positions(int64_t grid, int64_t dim) {
  TORCH_CHECK(dim % 4 == 0, "sin-cos positions need dim divisible by 4, got ", dim);
  auto axis = [dim](const torch::Tensor& position) {  // [P] -> [P, dim / 2]
    torch::Tensor omega = 1.0 / torch::pow(10000.0, torch::arange(dim / 4, torch::kDouble) / (dim / 4.0));
    torch::Tensor angles = position.to(torch::kDouble).unsqueeze(1) * omega.unsqueeze(0);
    return torch::cat({angles.sin(), angles.cos()}, 1);
  };
  torch::Tensor columns = torch::arange(grid).repeat(grid), rows = torch::arange(grid).repeat_interleave(grid);
  torch::Tensor patches = torch::cat({axis(columns), axis(rows)}, 1);
  return torch::cat({torch::zeros({1, dim}, torch::kDouble), patches}, 0).to(torch::kFloat);
}

namespace {
TransformerOptions checked(const Options& options) {
  const int64_t image_size = options.get<int64_t>("image_size"), patch_size = options.get<int64_t>("patch_size");
  if (image_size % patch_size != 0)
    options.fail("patch_size", c10::str("image_size ", image_size, " is not divisible by patch_size ", patch_size));
  TransformerOptions o = TransformerOptions::read(options);
  o.relative_position = options.get<std::string>("relative_position");
  o.grid_height = o.grid_width = image_size / patch_size;
  o.post_norm = options.get<std::string>("block") == "post_norm";
  o.final_norm = (!o.post_norm && options.get<bool>("final_norm")) || options.get<std::string>("pooling") == "mean";
  o.output_ffn = options.get<bool>("output_ffn");
  if (o.output_ffn && o.checkpoint_activations)
    options.fail("output_ffn", "recomputed blocks (checkpoint_activations: true) keep no MLP outputs");
  if (o.post_norm && o.layer_scale > 0) options.fail("layer_scale", "post_norm blocks have no LayerScale: use 0");
  if (o.post_norm && o.relative_position == "per_layer")
    options.fail("relative_position", "post_norm blocks have no relative position bias of their own: use shared");
  if (options.get<std::string>("position") == "sincos" && o.dim % 4 != 0)
    options.fail("position", c10::str("sin-cos positions need dim divisible by 4, got dim ", o.dim));
  return o;
}
}  // namespace

VisionTransformer::VisionTransformer(const Options& options, const Context& context)
    : TransformerEncoder(checked(options)),
      image_size_(options.get<int64_t>("image_size")),
      channels_(options.get<int64_t>("channels")),
      position_(options.get<std::string>("position")),
      pooling_(options.get<std::string>("pooling")),
      prenet_depth_(options.get<int64_t>("prenet_depth")),
      checkpoint_(CheckpointOptions::read(options, context)) {
  const int64_t patch_size = options.get<int64_t>("patch_size");
  const int64_t grid = image_size_ / patch_size, dim = options_.dim;
  auto patch_module = register_module("patch_embed", std::make_shared<torch::nn::Module>());
  patch_embed = patch_module->register_module(
      "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels_, dim, patch_size).stride(patch_size)));
  cls_token = register_parameter("cls_token", torch::randn({1, 1, dim}) * 0.02);
  if (position_ == "learned") pos_embed = register_parameter("pos_embed", torch::randn({1, 1 + grid * grid, dim}) * 0.02);
  if (position_ == "sincos") pos_embed = register_buffer("pos_embed", sincos_positions(grid, dim).unsqueeze(0));
  checkpoint_.check_layers(options_.depth);
  checkpoint_.load_into(*this, layout(checkpoint_.format, checkpoint_.layers, false));
}

TensorMap VisionTransformer::forward(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  if (image.dim() != 4 || image.size(1) != channels_ || image.size(2) != image_size_ || image.size(3) != image_size_)
    throw Error(c10::str("vit: `image` must be [B, ", channels_, ", ", image_size_, ", ", image_size_, "], got ",
                         image.sizes()));
  torch::Tensor patches = patch_embed(image.to(cls_token.scalar_type())).flatten(2).transpose(1, 2);  // [B, N, dim]
  torch::Tensor x = torch::cat({cls_token.expand({image.size(0), -1, -1}), patches}, 1);  // Eq. 20
  if (pos_embed.defined()) x = x + pos_embed;
  TensorMap out = encode(x, {}, pooling_ == "mean");
  out["patches"] = out.at("tokens").slice(1, 1);
  return out;
}

CheckpointLayout VisionTransformer::export_layout() const {
  CheckpointLayout exported = layout(checkpoint_.format, {}, true);
  exported.library_config = vit_library_config(
      checkpoint_.format, options_, {image_size_, patch_embed->weight.size(2), channels_, position_, pooling_});
  return exported;
}

}  // namespace mmkd::transformer

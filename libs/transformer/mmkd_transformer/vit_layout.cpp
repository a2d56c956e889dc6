#include <mmkd_transformer/vit.hpp>

#include <algorithm>
#include <map>

namespace mmkd::transformer {

namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// Our name inside block `i` (e.g. "attn.qkv.weight") -> checkpoint keys inside its layer.
std::vector<std::string> timm_block_keys(const std::string& local, bool beit) {
  if (local == "gamma_1") return {beit ? "gamma_1" : "ls1.gamma"};
  if (local == "gamma_2") return {beit ? "gamma_2" : "ls2.gamma"};
  if (local == "relative_position_bias.relative_position_bias_table") return {"attn.relative_position_bias_table"};
  return {local};
}

std::vector<std::string> hf_block_keys(const std::string& local) {
  static const std::map<std::string, std::vector<std::string>> names = {
      {"norm1.weight", {"layernorm_before.weight"}},
      {"norm1.bias", {"layernorm_before.bias"}},
      {"attn.qkv.weight",
       {"attention.attention.query.weight", "attention.attention.key.weight", "attention.attention.value.weight"}},
      {"attn.qkv.bias",
       {"attention.attention.query.bias", "attention.attention.key.bias", "attention.attention.value.bias"}},
      {"attn.q_bias", {"attention.attention.query.bias"}},
      {"attn.v_bias", {"attention.attention.value.bias"}},
      {"attn.proj.weight", {"attention.output.dense.weight"}},
      {"attn.proj.bias", {"attention.output.dense.bias"}},
      {"norm2.weight", {"layernorm_after.weight"}},
      {"norm2.bias", {"layernorm_after.bias"}},
      {"mlp.fc1.weight", {"intermediate.dense.weight"}},
      {"mlp.fc1.bias", {"intermediate.dense.bias"}},
      {"mlp.fc2.weight", {"output.dense.weight"}},
      {"mlp.fc2.bias", {"output.dense.bias"}},
      {"gamma_1", {"lambda_1"}},
      {"gamma_2", {"lambda_2"}},
      {"relative_position_bias.relative_position_bias_table",
       {"attention.attention.relative_position_bias.relative_position_bias_table"}},
  };
  return names.at(local);
}

}  // namespace

// fairseq's Data2Vec2 (data2vec_multi, image): the patch embedding, CLS (extra token), input
// LayerNorm and first `prenet_depth_` blocks in the image encoder, the other blocks after it.
// Checkpoint layer k is prenet block k below prenet_depth_, main block k - prenet_depth_ above.
CheckpointLayout VisionTransformer::fairseq_layout(const std::vector<int64_t>& layers) const {
  const std::string image = "modality_encoders.IMAGE.";
  CheckpointLayout layout;
  layout.format = "fairseq_data2vec2";
  auto block_prefix = [&](int64_t layer) {
    return layer < prenet_depth_ ? image + "context_encoder.blocks." + std::to_string(layer) + "."
                                 : "blocks." + std::to_string(layer - prenet_depth_) + ".";
  };
  const std::map<std::string, std::string> top = {
      {"patch_embed.proj.weight", image + "local_encoder.proj.weight"},
      {"patch_embed.proj.bias", image + "local_encoder.proj.bias"},
      {"cls_token", image + "extra_tokens"},
      {"input_norm.weight", image + "context_encoder.norm.weight"},
      {"input_norm.bias", image + "context_encoder.norm.bias"},
      {"norm.weight", "fc_norm.weight"},
      {"norm.bias", "fc_norm.bias"},
  };
  for (const auto& item : named_parameters()) {
    const std::string& name = item.key();
    if (name == "head.weight" || name == "type_embed") {
      layout.bind_optional(name, name == "type_embed" ? name : "embedding_head.weight");
    } else if (starts_with(name, "blocks.")) {
      const size_t dot = name.find('.', 7);
      const int64_t block = std::stoll(name.substr(7, dot - 7));
      layout.bind(name, block_prefix(layers.empty() ? block : layers[block]) + name.substr(dot + 1));
    } else {
      auto renamed = top.find(name);
      layout.bind(name, renamed == top.end() ? name : renamed->second);
    }
  }
  if (!layers.empty()) {
    std::vector<int64_t> prenet, main;
    for (int64_t layer : layers) {
      if (layer < prenet_depth_) prenet.push_back(layer);
      else main.push_back(layer - prenet_depth_);
    }
    for (int64_t k = 0; k < prenet_depth_; ++k)
      if (std::find(prenet.begin(), prenet.end(), k) == prenet.end())
        layout.ignored_prefixes.push_back(block_prefix(k));
    if (main.empty()) layout.ignored_prefixes.push_back("blocks.");
    else layout.ignore_other_layers("blocks.", main);
  }
  layout.ignored_keys.push_back(image + "fixed_positional_encoder.positions");  // fixed sin-cos, rebuilt here
  for (const char* unused : {"modality_encoders.IMAGE.decoder.", "modality_encoders.TEXT.", "modality_encoders.AUDIO.",
                             "_ema", "shared_decoder.", "recon_proj."})
    layout.ignored_prefixes.push_back(unused);
  return layout;
}

CheckpointLayout VisionTransformer::layout(const std::string& format, const std::vector<int64_t>& layers,
                                           bool for_export) const {
  if (format == "fairseq_data2vec2") return fairseq_layout(layers);
  const bool hf = starts_with(format, "hf_"), mean_pool = pooling_ == "mean";
  const std::string layer_prefix = hf ? "encoder.layer." : "blocks.";
  CheckpointLayout layout;
  layout.format = format;
  if (format == "hf_beit") layout.base_prefixes = {"beit."};
  if (format == "hf_data2vec_vision") layout.base_prefixes = {"data2vec_vision."};
  const std::map<std::string, std::string> top = hf ? std::map<std::string, std::string>{
      {"patch_embed.proj.weight", "embeddings.patch_embeddings.projection.weight"},
      {"patch_embed.proj.bias", "embeddings.patch_embeddings.projection.bias"},
      {"cls_token", "embeddings.cls_token"},
      {"pos_embed", "embeddings.position_embeddings"},
      {"rel_pos_bias.relative_position_bias_table", "encoder.relative_position_bias.relative_position_bias_table"},
      {"norm.weight", mean_pool ? "pooler.layernorm.weight" : "layernorm.weight"},
      {"norm.bias", mean_pool ? "pooler.layernorm.bias" : "layernorm.bias"},
  } : std::map<std::string, std::string>{
      {"norm.weight", mean_pool ? "fc_norm.weight" : "norm.weight"},
      {"norm.bias", mean_pool ? "fc_norm.bias" : "norm.bias"},
  };
  auto bind = [&](const std::string& name) {
    if (name == "head.weight") return layout.bind_optional(name, "embedding_head.weight");
    if (name == "type_embed") return layout.bind_optional(name, name);  // new in Eq. 59, absent from pretrained files
    if (name == "pos_embed" && position_ == "sincos" && !for_export) return;
    if (starts_with(name, "blocks.")) {
      const size_t dot = name.find('.', 7);
      const int64_t block = std::stoll(name.substr(7, dot - 7));
      const std::string local = name.substr(dot + 1);
      const int64_t source = layers.empty() ? block : layers[block];
      std::vector<std::string> keys = hf ? hf_block_keys(local) : timm_block_keys(local, format == "timm_beitv2");
      for (auto& key : keys) key = layer_prefix + std::to_string(source) + "." + key;
      return layout.bind(name, keys);
    }
    auto renamed = top.find(name);
    layout.bind(name, renamed == top.end() ? name : renamed->second);
  };
  for (const auto& item : named_parameters()) bind(item.key());
  for (const auto& item : named_buffers()) bind(item.key());

  layout.ignore_other_layers(layer_prefix, layers);
  if (!norm)
    for (const char* name : {"norm.weight", "norm.bias"}) layout.ignored_keys.push_back(top.at(name));
  if (position_ == "sincos") layout.ignored_keys.push_back(hf ? "embeddings.position_embeddings" : "pos_embed");
  for (int64_t i = 0; i < options_.depth; ++i) {
    const std::string layer = layer_prefix + std::to_string(layers.empty() ? i : layers[i]) + ".";
    layout.ignored_keys.push_back(layer + (hf ? "attention.attention.relative_position_bias.relative_position_index"
                                              : "attn.relative_position_index"));
  }
  if (hf) {
    layout.ignored_keys.insert(layout.ignored_keys.end(), {"embeddings.mask_token",
                                                           "encoder.relative_position_bias.relative_position_index"});
  } else {
    layout.ignored_keys.push_back("rel_pos_bias.relative_position_index");
    layout.ignored_prefixes.push_back("head.");
  }
  return layout;
}

}  // namespace mmkd::transformer

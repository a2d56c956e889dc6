#include <mmkd_transformer/library_config.hpp>

#include <nlohmann/json.hpp>

namespace mmkd::transformer {

namespace {

using nlohmann::json;

double mlp_ratio(const TransformerOptions& o) { return static_cast<double>(o.mlp_hidden_dim) / o.dim; }

json transformers_common(const TransformerOptions& o) {
  return {{"hidden_size", o.dim},
          {"num_hidden_layers", o.depth},
          {"num_attention_heads", o.heads},
          {"intermediate_size", o.mlp_hidden_dim},
          {"hidden_act", "gelu"},
          {"layer_norm_eps", o.norm_eps},
          {"hidden_dropout_prob", 0.0},
          {"attention_probs_dropout_prob", 0.0}};
}

std::string transformers_beit_config(const std::string& format, const TransformerOptions& o, const VitGeometry& g) {
  const bool data2vec = format == "hf_data2vec_vision";
  json config = transformers_common(o);
  config.update({{"model_type", data2vec ? "data2vec-vision" : "beit"},
                 {"architectures", {data2vec ? "Data2VecVisionModel" : "BeitModel"}},
                 {"image_size", g.image_size},
                 {"patch_size", g.patch_size},
                 {"num_channels", g.channels},
                 {"use_absolute_position_embeddings", g.position != "none"},
                 {"use_relative_position_bias", o.relative_position == "per_layer"},
                 {"use_shared_relative_position_bias", o.relative_position == "shared"},
                 {"layer_scale_init_value", o.layer_scale},
                 {"use_mean_pooling", g.pooling == "mean"},
                 {"drop_path_rate", 0.0}});
  return config.dump(2);
}

std::string timm_config(const std::string& format, const TransformerOptions& o, const VitGeometry& g) {
  const bool beit = format == "timm_beitv2";
  json args = {{"img_size", g.image_size},     {"patch_size", g.patch_size}, {"in_chans", g.channels},
               {"embed_dim", o.dim},           {"depth", o.depth},           {"num_heads", o.heads},
               {"mlp_ratio", mlp_ratio(o)},    {"global_pool", g.pooling == "mean" ? "avg" : "token"}};
  if (beit) {
    args.update({{"use_abs_pos_emb", g.position != "none"},
                 {"use_rel_pos_bias", o.relative_position == "per_layer"},
                 {"use_shared_rel_pos_bias", o.relative_position == "shared"},
                 {"init_values", o.layer_scale > 0 ? json(o.layer_scale) : json(nullptr)}});
  } else {
    args.update({{"qkv_bias", o.qkv_bias == "all"}, {"class_token", true}});
    if (g.position == "none") args["pos_embed"] = "none";
    if (o.layer_scale > 0) args["init_values"] = o.layer_scale;
  }
  const json config = {
      {"architecture", beit ? "beitv2_base_patch16_224" : "vit_base_patch16_224"},
      {"num_classes", 0},
      {"num_features", o.dim},
      {"model_args", args},
      {"pretrained_cfg", {{"input_size", {g.channels, g.image_size, g.image_size}}, {"num_classes", 0}}}};
  return config.dump(2);
}

}  // namespace

std::string transformers_bert_config(const TransformerOptions& o, int64_t vocab_size, int64_t max_len,
                                     int64_t type_vocab_size) {
  json config = transformers_common(o);
  config.update({{"model_type", "bert"},
                 {"architectures", {"BertModel"}},
                 {"vocab_size", vocab_size},
                 {"max_position_embeddings", max_len},
                 {"type_vocab_size", type_vocab_size},
                 {"pad_token_id", 0}});
  return config.dump(2);
}

std::string vit_library_config(const std::string& format, const TransformerOptions& options,
                               const VitGeometry& geometry) {
  if (options.post_norm || format == "fairseq_data2vec2") return "";
  if (format == "hf_beit" || format == "hf_data2vec_vision") return transformers_beit_config(format, options, geometry);
  return timm_config(format, options, geometry);
}

}  // namespace mmkd::transformer

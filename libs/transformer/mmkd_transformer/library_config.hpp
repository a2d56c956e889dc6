#pragma once
// The config.json that transformers or timm reads beside exported weights to rebuild the model by
// its own API: BertModel / BeitModel / Data2VecVisionModel.from_pretrained(dir), and
// timm.create_model("local-dir:" + dir, pretrained=True).
#include <mmkd_transformer/transformer_encoder.hpp>

#include <string>

namespace mmkd::transformer {

std::string transformers_bert_config(const TransformerOptions& options, int64_t vocab_size, int64_t max_len,
                                     int64_t type_vocab_size);

struct VitGeometry {
  int64_t image_size = 0, patch_size = 0, channels = 3;
  std::string position, pooling;
};

// For `format` (hf_beit, hf_data2vec_vision, timm_vit, timm_beitv2); empty where the library has
// no such model (fairseq_data2vec2, post-LN blocks).
std::string vit_library_config(const std::string& format, const TransformerOptions& options,
                               const VitGeometry& geometry);

}  // namespace mmkd::transformer

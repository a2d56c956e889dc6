#include "convert/checkpoint_formats.hpp"

#include "util/names.hpp"

#include <mmkd/error.hpp>

namespace mmkd {

const std::vector<CheckpointFormat>& checkpoint_formats() {
  static const std::vector<CheckpointFormat> formats = {
      {"hf_bert", "Hugging Face BERT (pytorch_model.bin): names kept, LayerNorm gamma/beta renamed to weight/bias",
       {},
       {{R"(^(.*LayerNorm)\.gamma$)", "$1.weight"}, {R"(^(.*LayerNorm)\.beta$)", "$1.bias"}}},
      {"timm", "timm (.pth): names kept", {}, {}},
      {"unilm_beitv2",
       "microsoft/unilm BEiT v2 (beitv2_*.pth): timm's Beit names, which vit reads with format: timm_beitv2; "
       "drops the MIM head lm_head, the patch aggregation cls_pt_*, mask_token and relative_position_index buffers",
       {R"(^lm_head\.)", R"(^cls_pt_)", R"(^mask_token$)", R"((^|\.)relative_position_index$)"},
       {}},
      {"fairseq",
       "fairseq Data2Vec2 (base_imagenet.pt): the model under `model`, fairseq's names, which vit reads with "
       "block: post_norm, format: fairseq_data2vec2; drops the decoder, the EMA copy and other modalities' encoders",
       {R"(^modality_encoders\.IMAGE\.decoder\.)", R"(^_ema)", R"(^modality_encoders\.(TEXT|AUDIO)\.)"},
       {}},
  };
  return formats;
}

const CheckpointFormat& find_checkpoint_format(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& format : checkpoint_formats()) {
    if (format.name == name) return format;
    names.push_back(format.name);
  }
  throw Error("unknown format `" + name + "`" + did_you_mean(name, names) + "; known formats: " + join_names(names));
}

}  // namespace mmkd

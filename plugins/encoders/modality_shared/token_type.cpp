#include "token_type.hpp"

#include "input_checks.hpp"

#include <algorithm>

namespace mmkd::shared {

namespace {
const std::vector<std::string> kModalities = {"image", "text"};

int64_t type_row(const std::string& modality) { return modality == "text" ? 0 : 1; }

bool lists(const std::vector<std::string>& modalities, const std::string& modality) {
  return std::find(modalities.begin(), modalities.end(), modality) != modalities.end();
}
}  // namespace

ComponentInfo TokenType::info() {
  return ComponentInfo("token_type",
                       "token-type embeddings added after the image and text encoders, scaled by one LayerScale "
                       "shared by both modalities (Eq. 61-62); layer_scale 0 adds them unscaled (Eq. 58-59).")
      .option<int64_t>("dim", 768, "token width D", positive())
      .option<double>("layer_scale", 1e-5, "initial value of every channel of t_scale; 0 = no LayerScale", at_least(0))
      .option<std::vector<std::string>>("modalities", kModalities,
                                        "the inputs this node reads; it writes `<m>` and `<m>_cls` for each",
                                        one_of(kModalities))
      .optional_input("image", "[B, N + 1, dim] image encoder tokens, [I_CLS] first; with image in `modalities`")
      .optional_input("text", "[B, M, dim] text encoder tokens, [T_CLS] first; with text in `modalities`")
      .outputs_from([](const Options& options) {
        std::vector<Port> outputs;
        for (const auto& m : options.get<std::vector<std::string>>("modalities")) {
          outputs.push_back({m, "[B, T, dim] `" + m + "` plus its scaled type embedding (Eq. " +
                                    (m == "text" ? "61" : "62") + ")"});
          outputs.push_back({m + "_cls", "[B, dim] the first token of `" + m + "`"});
        }
        return outputs;
      });
}

TokenType::TokenType(const Options& options, const Context& /*context*/)
    : dim_(options.get<int64_t>("dim")), modalities_(options.get<std::vector<std::string>>("modalities")) {
  if (modalities_.empty()) options.fail("modalities", "list at least one of image, text");
  for (const auto& m : kModalities)
    if (std::count(modalities_.begin(), modalities_.end(), m) > 1) options.fail("modalities", m + " is listed twice");
  type_embed = register_parameter("type_embed", torch::randn({2, dim_}) * 0.02);
  const double layer_scale = options.get<double>("layer_scale");
  if (layer_scale > 0) scale = register_parameter("scale", torch::full({dim_}, layer_scale));
}

TensorMap TokenType::forward(const TensorMap& inputs) {
  TensorMap out;
  for (const auto& m : kModalities) {
    const bool connected = optional(inputs, m).defined();
    if (!lists(modalities_, m) && connected)
      throw Error("token_type: input `" + m + "` is connected, but `modalities` does not list " + m + "; add it");
    if (!connected) continue;  // a single-modality batch: the other modality's outputs are left out
    const torch::Tensor& tokens = require_features(inputs, "token_type", m, 3, dim_);
    torch::Tensor t_type = type_embed[type_row(m)];
    torch::Tensor typed = tokens + (scale.defined() ? scale * t_type : t_type);  // Eq. 61-62
    out[m] = typed;
    out[m + "_cls"] = typed.select(1, 0);
  }
  if (out.empty()) throw Error("token_type: none of the inputs `modalities` lists is connected");
  return out;
}

}  // namespace mmkd::shared

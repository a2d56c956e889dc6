#include <mmkd_transformer/bert.hpp>
#include <mmkd_transformer/text_transformer.hpp>
#include <mmkd_transformer/vit.hpp>

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::transformer::VisionTransformer>();
  registry.add<mmkd::transformer::TextTransformer>();
  registry.add<mmkd::transformer::Bert>();
}

MMKD_PLUGIN("encoders_transformer", "0.1.0", register_components)

#include "shared_mlp.hpp"
#include "shared_transformer.hpp"
#include "token_type.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::shared::SharedMlp>();
  registry.add<mmkd::shared::SharedTransformer>();
  registry.add<mmkd::shared::TokenType>();
}

MMKD_PLUGIN("encoders_modality_shared", "0.1.0", register_components)

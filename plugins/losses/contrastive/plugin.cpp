#include "clip_contrastive.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::clip_contrastive::ClipContrastive>();
}

MMKD_PLUGIN("losses_contrastive", "0.1.0", register_components)

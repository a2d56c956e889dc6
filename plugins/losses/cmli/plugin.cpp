#include "cmli_contrastive.hpp"
#include "target_cmli.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::cmli::TargetCmli>();
  registry.add<mmkd::cmli::CmliContrastive>();
}

MMKD_PLUGIN("losses_cmli", "0.1.0", register_components)

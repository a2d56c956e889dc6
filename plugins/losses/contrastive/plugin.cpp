#include "clip_contrastive.hpp"
#include "contrastive_target.hpp"
#include "memory_bank_itc.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::contrastive::ClipContrastive>();
  registry.add<mmkd::contrastive::ContrastiveTarget>();
  registry.add<mmkd::contrastive::MemoryBankItc>();
}

MMKD_PLUGIN("losses_contrastive", "0.1.0", register_components)

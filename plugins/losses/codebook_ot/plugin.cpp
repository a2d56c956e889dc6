#include "codebook_ot.hpp"
#include "codis_alignment.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::codebook_ot::CodebookOt>();
  registry.add<mmkd::codebook_ot::CodisAlignment>();
}

MMKD_PLUGIN("losses_codebook_ot", "0.1.0", register_components)

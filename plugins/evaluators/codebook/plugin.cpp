#include "codebook_usage.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::codebook::CodebookUsage>(); }

MMKD_PLUGIN("evaluators_codebook", "0.1.0", register_components)

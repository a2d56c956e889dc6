#include "itm.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::itm::Itm>(); }

MMKD_PLUGIN("losses_itm", "0.1.0", register_components)

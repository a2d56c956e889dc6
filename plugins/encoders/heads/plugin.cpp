#include "classifier.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::heads::Classifier>(); }

MMKD_PLUGIN("encoders_heads", "0.1.0", register_components)

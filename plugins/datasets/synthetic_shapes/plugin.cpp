#include "synthetic_shapes.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::synthetic_shapes::SyntheticShapes>();
}

MMKD_PLUGIN("datasets_synthetic_shapes", "0.1.0", register_components)

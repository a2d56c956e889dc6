#include "classification.hpp"
#include "regression.hpp"
#include "zero_shot.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::classification_eval::Classification>();
  registry.add<mmkd::classification_eval::Regression>();
  registry.add<mmkd::classification_eval::ZeroShot>();
}

MMKD_PLUGIN("evaluators_classification", "0.1.0", register_components)

#include "cross_entropy.hpp"
#include "regression_mse.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::classification::CrossEntropy>();
  registry.add<mmkd::classification::RegressionMse>();
}

MMKD_PLUGIN("losses_classification", "0.1.0", register_components)

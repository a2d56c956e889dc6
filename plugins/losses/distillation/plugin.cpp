#include "data2vec_regression.hpp"
#include "kl_divergence.hpp"
#include "mse.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::distillation::KlDivergence>();
  registry.add<mmkd::distillation::Mse>();
  registry.add<mmkd::distillation::Data2VecRegression>();
}

MMKD_PLUGIN("losses_distillation", "0.1.0", register_components)

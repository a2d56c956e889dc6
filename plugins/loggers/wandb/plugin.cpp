#include "wandb_logger.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::wandb::WandbLogger>(); }

MMKD_PLUGIN("loggers_wandb", "0.1.0", register_components)

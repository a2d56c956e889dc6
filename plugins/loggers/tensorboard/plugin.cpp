#include "tensorboard_logger.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::tensorboard::TensorboardLogger>(); }

MMKD_PLUGIN("loggers_tensorboard", "0.1.0", register_components)

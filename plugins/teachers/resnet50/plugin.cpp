#include "resnet50_teacher.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::resnet::ResNet50Teacher>(); }

MMKD_PLUGIN("teachers_resnet50", "0.1.0", register_components)

#include "vit_teacher.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::transformer::VitTeacher>(); }

MMKD_PLUGIN("teachers_vit", "0.1.0", register_components)

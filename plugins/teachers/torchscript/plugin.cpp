#include "torchscript_teacher.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::torchscript::TorchScriptTeacher>(); }

MMKD_PLUGIN("teachers_torchscript", "0.1.0", register_components)

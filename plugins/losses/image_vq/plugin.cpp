#include "image_vq.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::image_vq::ImageVq>(); }

MMKD_PLUGIN("losses_image_vq", "0.1.0", register_components)

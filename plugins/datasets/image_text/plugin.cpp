#include "image_text.hpp"

static void register_components(mmkd::Registry& registry) { registry.add<mmkd::image_text::ImageTextDataset>(); }

MMKD_PLUGIN("datasets_image_text", "0.1.0", register_components)

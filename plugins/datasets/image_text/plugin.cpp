#include "image_text.hpp"
#include "tar_shards.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::image_text::ImageTextDataset>();
  registry.add<mmkd::image_text::TarShardsDataset>();
}

MMKD_PLUGIN("datasets_image_text", "0.1.0", register_components)

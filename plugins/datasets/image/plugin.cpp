#include "cifar.hpp"
#include "image_folder.hpp"
#include "mixup_cutmix.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::image::ImageFolder>();
  registry.add<mmkd::image::Cifar>();
  registry.add<mmkd::image::MixupCutmix>();
}

MMKD_PLUGIN("datasets_image", "0.1.0", register_components)

#include "cifar.hpp"
#include "image_folder.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::image::ImageFolder>();
  registry.add<mmkd::image::Cifar>();
}

MMKD_PLUGIN("datasets_image", "0.1.0", register_components)

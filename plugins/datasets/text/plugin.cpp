#include "glue.hpp"
#include "openwebtext.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::text::OpenWebText>();
  registry.add<mmkd::text::Glue>();
}

MMKD_PLUGIN("datasets_text", "0.1.0", register_components)

#include "config/experiment_file.hpp"

namespace mmkd {
namespace {

// Pretrained weights and cached teacher outputs are not read: every node starts at random.
void drop_weight_files(ConfigNode& root, const char* section) {
  ConfigNode* nodes = root.find(section);
  if (!nodes || !nodes->is_map()) return;
  for (auto& [_, node] : nodes->entries()) {
    if (!node.is_map()) continue;
    if (ConfigNode* checkpoint = node.find("checkpoint")) {
      *checkpoint = ConfigNode::scalar("", checkpoint->where());
      checkpoint->set_quoted(true);
    }
    node.erase("cached");
  }
}

}  // namespace

void apply_smoke(ConfigNode& root) {
  if (!root.is_map()) return;
  if (const ConfigNode* smoke = root.find("smoke")) {
    if (!smoke->is_map()) throw ConfigError(smoke->where(), "smoke", "expected a map of key.path: value, got " + smoke->describe());
    const ConfigNode settings = *smoke;
    for (const auto& [key, value] : settings.entries()) set_key_path(root, key, value, "smoke." + key);
  }
  for (const char* setting : {"trainer.max_steps=2", "trainer.checkpoint_every=0", "eval.every_epochs=0",
                              "eval.every_steps=0", "log.loggers=null"})
    apply_override(root, setting);
  drop_weight_files(root, "teachers");
  drop_weight_files(root, "model");
}

}  // namespace mmkd

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

// The section's map of key.path: value put into the tree, with random weights.
void apply_section(ConfigNode& root, const char* section) {
  if (const ConfigNode* settings = root.find(section)) {
    if (!settings->is_map())
      throw ConfigError(settings->where(), section, "expected a map of key.path: value, got " + settings->describe());
    const ConfigNode copy = *settings;
    for (const auto& [key, value] : copy.entries()) set_key_path(root, key, value, std::string(section) + "." + key);
  }
  drop_weight_files(root, "teachers");
  drop_weight_files(root, "model");
}

}  // namespace

void apply_variant(ConfigNode& root, ExperimentVariant variant) {
  if (!root.is_map()) return;
  if (variant == ExperimentVariant::smoke) {
    apply_section(root, "smoke");
    for (const char* setting : {"trainer.max_steps=2", "trainer.checkpoint_every=0", "eval.every_epochs=0",
                                "eval.every_steps=0", "log.loggers=null"})
      apply_override(root, setting);
  } else if (variant == ExperimentVariant::bench && root.find("bench")) {
    apply_section(root, "bench");
  }
  root.erase("smoke");
  root.erase("bench");
}

}  // namespace mmkd

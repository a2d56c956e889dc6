#pragma once
// The run's resolved config (RUN_DIR/config.yaml) as W&B's run config: one entry per
// top-level section, {"trainer": {"value": {...}}, ...}.
#include <nlohmann/json.hpp>

#include <string>

namespace mmkd::wandb {

// YAML text to JSON: maps, lists, and scalars typed as YAML reads them (quoted text stays text).
nlohmann::json yaml_to_json(const std::string& yaml);

// {"key": {"value": ...}} for each key of a YAML map; an empty object when `path` does not exist.
nlohmann::json wandb_config(const std::string& path);

}  // namespace mmkd::wandb

#pragma once
// `mmkd export RUN_DIR`: the trained encoders of a run as safetensors files under the key names
// of their checkpoint format (Hugging Face, timm), for `transformers`/`timm` to load back.
#include "graph/experiment_plan.hpp"

#include <string>
#include <vector>

namespace mmkd {

// Writes <out_dir>/<node>.safetensors for every model node (not `share:` copies) whose component
// has an export layout, created from `plan` (the run's config.yaml) on CPU, its pretrained
// `checkpoint` option left out, and its tensors read from `weights_path`. Returns the files.
std::vector<std::string> export_encoders(const Registry& registry, const ExperimentPlan& plan,
                                         const std::string& weights_path, const std::string& out_dir);

}  // namespace mmkd

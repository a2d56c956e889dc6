#pragma once
// A tiny image-text experiment for end-to-end tests (seconds on a CPU).
#include "mmkd_testing.hpp"

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

namespace mmkd::testing {

inline std::string tiny_experiment_yaml(const std::string& runs_dir) {
  return R"(name: tiny
seed: 7
data:
  train: {type: synthetic_shapes, size: 64, image_size: 8, seed: 1}
  eval: {type: synthetic_shapes, size: 32, image_size: 8, seed: 2}
model:
  image:
    type: vit
    inputs: {image: batch.image}
    image_size: 8
    patch_size: 4
    dim: 16
    depth: 1
    heads: 2
    dropout: 0.1
    embed_dim: 16
  text:
    type: text_transformer
    inputs: {ids: batch.text_ids, mask: batch.text_mask}
    max_len: 12
    dim: 16
    depth: 1
    heads: 2
    embed_dim: 16
losses:
  clip:
    type: clip_contrastive
    inputs: {image: image.embedding, text: text.embedding}
optimizer: {lr: 1.0e-3}
schedule: {warmup_steps: 2}
trainer: {epochs: 3, batch_size: 8, log_every: 4, checkpoint_every: 2, keep_checkpoints: 2, threads: 1}
eval:
  evaluators:
    retrieval: {type: retrieval, inputs: {image: image.embedding, text: text.embedding}}
log: {runs_dir: )" + runs_dir + "}\n";
}

// The data and model sections of a tiny image-text experiment without dropout, so that runs
// that split the same samples differently (ranks, micro-batches) train the same model.
inline std::string tiny_deterministic_model_yaml() {
  return R"(data:
  train: {type: synthetic_shapes, size: 64, image_size: 8, seed: 1}
model:
  image: {type: vit, inputs: {image: batch.image}, image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, dropout: 0.0, embed_dim: 16}
  text: {type: text_transformer, inputs: {ids: batch.text_ids, mask: batch.text_mask}, max_len: 12, dim: 16, depth: 1, heads: 2, dropout: 0.0, embed_dim: 16}
)";
}

// The last record of a run's metrics.jsonl that holds `key` (training log lines hold "loss",
// validations their evaluators' metrics); null when none does.
inline nlohmann::json last_record_with(const std::string& run_dir, const std::string& key) {
  nlohmann::json last;
  std::istringstream lines(read_file(run_dir + "/metrics.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    auto record = nlohmann::json::parse(line);
    if (record.contains(key)) last = record;
  }
  return last;
}

// `mmkd ARGS` run from `dir`, output captured.
inline CommandResult mmkd_in(const std::string& dir, const std::string& args) {
  return run_command("cd '" + dir + "' && '" + mmkd_executable() + "' " + args);
}

}  // namespace mmkd::testing

#pragma once
// The training loop of `mmkd run`.
#include "graph/experiment_plan.hpp"
#include "state/run_folder.hpp"

#include <string>

namespace mmkd {

struct RunRequest {
  std::string run_dir;  // empty: runs_dir/name/<timestamp>
  Resume resume = Resume::no;
  bool benchmark = false;  // `mmkd bench`: every step reads the first batch again; no checkpoints or weights saved
};

// Exit codes of a run.
constexpr int kExitOk = 0;
constexpr int kExitDiverged = 3;

// Trains the planned experiment. Returns kExitOk, kExitDiverged (NaN/Inf loss: the last good
// checkpoint is kept), or 128 + signal after SIGINT/SIGTERM (a checkpoint is written first).
int run_training(const Registry& registry, const ExperimentPlan& plan, const RunRequest& request);

// "auto" -> cuda when available, else cpu; ConfigError for an unknown or unavailable device.
torch::Device resolve_device(const Options& trainer_options);

// libtorch's CPU threads from trainer.threads (0 = all cores).
void set_torch_threads(const Options& trainer_options);

}  // namespace mmkd

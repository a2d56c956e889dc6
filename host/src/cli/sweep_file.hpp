#pragma once
// A sweep file (`mmkd sweep`): a base experiment and the runs to make of it, as a grid of
// values or a list of named override sets, the metrics to compare, and runs at once.
//
//   name: token_type_ablation            # run folders runs/sweeps/<name>/...; the W&B group
//   experiment: ../experiments/x.yaml    # relative to this file
//   overrides: {trainer.epochs: 10}      # for every run
//   grid: {optimizer.lr: [1.0e-3, 3.0e-4], model.image.depth: [2, 4]}
//   runs: [{name: before, overrides: {model.tt.position: before}}, ...]   # instead of grid
//   metrics: [eval.retrieval.i2t_r1]     # table columns; default: every eval.* metric
//   parallel: 1                          # runs at once (one GPU each)
#include <string>
#include <vector>

namespace mmkd {

struct SweepRun {
  std::string name;                    // "optimizer.lr=0.001,model.image.depth=2" for a grid
  std::vector<std::string> overrides;  // key=value, after the sweep's common ones
};

struct SweepFile {
  std::string name;
  std::string experiment;              // absolute
  std::string folder;                  // runs_dir/name, absolute
  std::vector<std::string> overrides;  // for every run
  std::vector<SweepRun> runs;
  std::vector<std::string> metrics;
  int parallel = 1;
};

// ConfigError with file, line and key for every problem. `runs_dir` holds the sweep folders.
SweepFile read_sweep_file(const std::string& path, const std::string& runs_dir);

// `mmkd run EXP --multirun a=1,2 b=x,y c=3` (Hydra's multirun): the grid of every override whose
// value lists several comma-separated values (outside brackets and quotes), the others for every run.
SweepFile multirun_sweep(const std::string& experiment, const std::string& name, const std::vector<std::string>& overrides,
                         const std::string& runs_dir);

}  // namespace mmkd

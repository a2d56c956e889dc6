#pragma once
// `mmkd sweep SWEEP.yaml`: the runs of a sweep, one after another or `parallel` at once (each
// its own `mmkd run` process, CUDA_VISIBLE_DEVICES set to its slot), then a comparison table.
// A run's folder is named by the run and a hash of its resolved config: a finished one is
// skipped, an interrupted one resumed, a changed config gets a new folder.
#include "cli/sweep_file.hpp"
#include "train/results_table.hpp"

#include <string>
#include <vector>

namespace mmkd {

// The overrides of one run: the sweep's, the run's, then `extra`.
std::vector<std::string> run_overrides(const SweepFile& sweep, const SweepRun& run, const std::vector<std::string>& extra);

// FNV-1a of the text, 8 hex digits.
std::string config_hash(const std::string& text);

// <sweep folder>/<run name>-<hash of the resolved config>.
std::string sweep_run_folder(const SweepFile& sweep, const SweepRun& run, const std::vector<std::string>& overrides);

// One row per run: the last value of each metric in its metrics.jsonl (every eval.* metric of
// the first run when `metrics` is empty), 4 decimals; a run without it gets a blank.
std::vector<ResultsRow> sweep_rows(const SweepFile& sweep, const std::vector<std::string>& run_folders);

// Writes <folder>/results.md and results.csv.
void write_sweep_table(const SweepFile& sweep, const std::vector<ResultsRow>& rows);

// Runs what is not finished; returns 0 when every run finished, else 1 (the failures listed).
// `extra` overrides go to every run (e.g. W&B group).
int run_sweep(const SweepFile& sweep, const std::vector<std::string>& extra);

}  // namespace mmkd

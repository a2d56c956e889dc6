#pragma once
// `mmkd bench EXP.yaml`: the experiment's training step timed on its first batch, replayed
// (data loading left out), with the step-time breakdown, the FLOP estimate and the peak
// memory. The experiment's `bench:` section, when it has one, gives synthetic data of
// its real shapes and random weights.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mmkd {

struct BenchRequest {
  int64_t steps = 20;   // timed steps
  int64_t warmup = 5;   // untimed steps first
  bool phases = true;   // time each phase (on CUDA a synchronisation after each)
  bool as_written = false;  // ignore the experiment's `bench:` section
};

// Overrides that turn an experiment into its benchmark run: warmup + steps, phases timed
// unless asked not to, no evaluators or loggers.
std::vector<std::string> bench_overrides(const BenchRequest& request);

struct BenchFigures {
  int64_t steps = 0;
  double samples_per_second = 0;
  double tflops_per_second = 0;
  double mfu = 0;                               // 0 when trainer.peak_tflops is not given
  double peak_memory_mib = 0;                   // most tensor memory at once on the device; 0: not measured
  std::map<std::string, double> phase_seconds;  // "data", "teacher", ... per step
};

// From the run's metrics.jsonl: the records after `warmup` steps, weighted by their steps.
BenchFigures summarise_bench(const std::string& metrics_path, int64_t warmup);

std::string describe_bench(const BenchFigures& figures);

// A fresh folder under the system's temporary folder, removed with the object.
class TempRunDir {
 public:
  TempRunDir();
  ~TempRunDir();
  TempRunDir(const TempRunDir&) = delete;
  TempRunDir& operator=(const TempRunDir&) = delete;
  std::string run_dir() const { return folder_ + "/run"; }  // not created yet, as a new run wants it

 private:
  std::string folder_;
};

}  // namespace mmkd

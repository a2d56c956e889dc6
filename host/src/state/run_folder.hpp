#pragma once
// Where a run writes: runs/<name>/<YYYYmmdd-HHMMSS>/ with config.yaml, metrics.jsonl,
// status.json, checkpoints/ and final.safetensors.
#include <string>

namespace mmkd {

struct RunFolder {
  std::string path;
  bool resumed = false;
};

enum class Resume { no, required, if_any };

// A new run gets a new timestamped folder under runs_dir/name, or `explicit_dir` when given
// (refused when it already holds checkpoints). With `Resume::required`, `explicit_dir` or else
// the newest folder under runs_dir/name that holds checkpoints; ConfigError when there is
// nothing to resume. `Resume::if_any` resumes that folder when there is one, else starts a new
// run (a requeued job). Creates nothing: the caller creates the folder once the run is set up.
RunFolder prepare_run_folder(const std::string& runs_dir, const std::string& name, const std::string& explicit_dir,
                             Resume resume);

// The run folder, created and held: an exclusive flock on RUN/.lock (with this process' id)
// until destroyed, so that no second run or resume writes into it at the same time; a new run
// also refuses a folder that gained checkpoints since prepare_run_folder looked.
class RunFolderClaim {
 public:
  explicit RunFolderClaim(const RunFolder& folder);
  ~RunFolderClaim();
  RunFolderClaim(const RunFolderClaim&) = delete;
  RunFolderClaim& operator=(const RunFolderClaim&) = delete;

 private:
  int fd_ = -1;
};

// status.json: {"state": "running" | "interrupted" | "failed" | "finished", "step": N, ...}
void write_run_status(const std::string& run_dir, const std::string& state, int64_t step, const std::string& detail = "");
std::string read_run_state(const std::string& run_dir);  // "" when absent

}  // namespace mmkd

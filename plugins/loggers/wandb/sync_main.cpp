// mmkd-wandb-sync RUN_DIR... [--all]: uploads what the wandb logger kept in each run folder's
// wandb/ (an offline run, rows a run could not send, or a run still being logged) and the
// run's exit code, if it ended; --all searches the given folders (e.g. a sweep's) for run folders.
#include <mmkd_wandb/credentials.hpp>
#include <mmkd_wandb/run_folders.hpp>
#include "sync_run.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

using namespace mmkd::wandb;

namespace {

struct FolderProblem {
  std::string folder;
  SyncOutcome outcome;
  bool searched = false;  // a folder --all found no run folder in, rather than a run folder
};

// The run folders to sync; with --all, a searched folder without any becomes a problem.
std::vector<std::string> folders_to_sync(const std::vector<std::string>& folders, bool all,
                                         std::vector<FolderProblem>& problems) {
  if (!all) return folders;
  std::vector<std::string> runs;
  for (const std::string& folder : folders) {
    const std::vector<std::string> found = run_folders_under(folder);
    if (found.empty()) {
      const std::string problem = "no run folder with W&B files (wandb/run.json) under it";
      std::cerr << "wandb: " << folder << ": " << problem << std::endl;
      problems.push_back({folder, {2, problem}, true});
    }
    runs.insert(runs.end(), found.begin(), found.end());
  }
  return runs;
}

void print_summary(size_t runs, const std::vector<FolderProblem>& problems) {
  if (problems.empty()) {
    std::cout << "wandb: " << (runs == 1 ? "1 run" : "all " + std::to_string(runs) + " runs") << " uploaded" << std::endl;
    return;
  }
  size_t failed_runs = 0;
  std::string failed, searched;
  for (const FolderProblem& problem : problems) {
    if (problem.searched) {
      searched += (searched.empty() ? "" : ", ") + problem.folder;
    } else {
      ++failed_runs;
      failed += (failed.empty() ? "" : "; ") + problem.folder + " (" + problem.outcome.problem + ")";
    }
  }
  std::cerr << "wandb: " << runs - failed_runs << " of " << runs << " runs uploaded";
  if (!failed.empty()) std::cerr << "; failed: " << failed;
  if (!searched.empty()) std::cerr << "; no run folder with W&B files in " << searched;
  std::cerr << std::endl;
}

int sync_all(const std::vector<std::string>& folders, bool all, double timeout_seconds) {
  std::vector<FolderProblem> problems;
  const std::vector<std::string> runs = folders_to_sync(folders, all, problems);
  const std::string base_url = base_url_from_environment();
  const std::optional<std::string> key = find_api_key(base_url);
  if (!key && std::any_of(runs.begin(), runs.end(), has_wandb_files)) {  // folders without runs are named still
    std::cerr << "wandb: " << missing_key_message(base_url) << std::endl;
    return 2;
  }
  for (const std::string& run_dir : runs) {
    SyncOutcome outcome;
    try {
      outcome = sync_run(run_dir, Server{base_url, key.value_or("")}, timeout_seconds);
    } catch (const std::exception& e) {
      std::cerr << "wandb: " << run_dir << ": " << e.what() << std::endl;
      outcome = {2, e.what()};
    }
    if (outcome.status != 0) problems.push_back({run_dir, outcome});
  }
  if (all || folders.size() > 1) print_summary(runs.size(), problems);
  int status = 0;
  for (const FolderProblem& problem : problems) status = std::max(status, problem.outcome.status);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Uploads the W&B rows the wandb logger kept in run folders (offline, interrupted or still running runs)"};
  std::vector<std::string> folders;
  bool all = false;
  double timeout_seconds = 300;
  app.add_option("run_dirs", folders, "run folders (each holds wandb/run.json), or with --all folders to search")
      ->required();
  app.add_flag("--all", all, "sync every run folder with W&B files under the given folders, e.g. a sweep's folder");
  app.add_option("--timeout", timeout_seconds, "seconds to keep retrying each run before giving up")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return sync_all(folders, all, timeout_seconds);
  } catch (const std::exception& e) {
    std::cerr << "wandb: " << e.what() << std::endl;
    return 2;
  }
}

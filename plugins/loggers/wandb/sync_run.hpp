#pragma once
// Uploads one run folder for mmkd-wandb-sync and prints one line saying how it went. A run
// still being logged (another process holds its folder's lock) gets the rows written so far,
// without its exit code, and its files stay the live process's.
#include <mmkd_wandb/uploader.hpp>

#include <string>

namespace mmkd::wandb {

struct SyncOutcome {
  int status = 0;       // 0: uploaded; 1: not (all) uploaded, or refused; 2: no W&B run in the folder
  std::string problem;  // why not, for the summary; empty when uploaded
};

SyncOutcome sync_run(const std::string& run_dir, const Server& server, double timeout_seconds);

}  // namespace mmkd::wandb

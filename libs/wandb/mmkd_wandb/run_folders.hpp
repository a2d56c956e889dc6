#pragma once
// Finds the run folders `mmkd wandb-sync --all` uploads, e.g. the runs of a sweep's folder.
#include <string>
#include <vector>

namespace mmkd::wandb {

// Whether `folder` has W&B files: wandb_folder(folder)/run.json, so WANDB_DIR counts.
bool has_wandb_files(const std::string& folder);

// `root` when it has W&B files, else the folders under it that have them, in path order. The
// subfolders of a run folder and folders named `wandb` are not searched; links are not followed.
std::vector<std::string> run_folders_under(const std::string& root);

}  // namespace mmkd::wandb

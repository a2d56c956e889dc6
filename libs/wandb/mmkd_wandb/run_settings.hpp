#pragma once
// Which W&B run a run folder logs to, kept in RUN_DIR/wandb/run.json so that a resumed run
// and `mmkd wandb-sync` upload to the same one. The API key is never part of it.
#include <optional>
#include <string>
#include <vector>

namespace mmkd::wandb {

struct RunSettings {
  std::string run_id;
  std::string project;
  std::string entity;  // empty: the API key's default entity
  std::string group;
  std::vector<std::string> tags;
  std::string name;    // display name
  std::string notes;
  std::string job_type;
  std::string resume;  // WANDB_RESUME's policy for this process: "", allow, auto, must or never; not kept

  // The W&B run these settings address; rows acknowledged by another target are sent again.
  std::string target() const { return entity + "/" + project + "/" + run_id; }
};

// A W&B run id from the run folder: a stable hash of its absolute path, in base 36.
std::string run_id_for_folder(const std::string& run_dir);

// Whether `id` is usable as a W&B run id (letters, digits, `-` and `_`, at most 64).
bool valid_run_id(const std::string& id);

// RUN_DIR/wandb, or with WANDB_DIR set WANDB_DIR/wandb/<run folder's name>-<run_id_for_folder>.
std::string wandb_folder(const std::string& run_dir);

std::optional<RunSettings> read_run_settings(const std::string& run_dir);  // none without run.json
void write_run_settings(const std::string& run_dir, const RunSettings& settings);

}  // namespace mmkd::wandb

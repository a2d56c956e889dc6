// What a W&B server or an earlier session leaves for the logger to read: the upsertBucket
// answer, and a run's wandb/history.jsonl and upload.json (what is left to send). Input:
// answer #--- history #--- state.
#include "fuzz_target.hpp"

#include <mmkd_wandb/run_store.hpp>
#include <mmkd_wandb/wandb_api.hpp>

#include <filesystem>
#include <fstream>

MMKD_FUZZ_TARGET(wandb_response) {
  const std::vector<std::string> parts = mmkd::fuzz::input_parts(data, size);
  mmkd::wandb::parse_upsert_answer(parts[0], "project");
  const std::string run_dir = mmkd::fuzz::scratch_folder() + "/run";
  std::filesystem::create_directories(run_dir + "/wandb");
  std::ofstream(run_dir + "/wandb/history.jsonl", std::ios::trunc) << (parts.size() > 1 ? parts[1] : "");
  std::ofstream(run_dir + "/wandb/upload.json", std::ios::trunc) << (parts.size() > 2 ? parts[2] : "");
  try {  // the W&B client's own error for a history line that is not a JSON object
    const mmkd::wandb::RunStore store(run_dir);
    store.lines(store.state().acked_rows, store.rows());
    store.summary_line();
  } catch (const std::runtime_error&) {
  }
}

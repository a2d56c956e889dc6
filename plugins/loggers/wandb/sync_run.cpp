#include "sync_run.hpp"

#include <mmkd_wandb/config_json.hpp>
#include <mmkd_wandb/credentials.hpp>
#include <mmkd_wandb/run_settings.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace fs = std::filesystem;

namespace mmkd::wandb {

namespace {

SyncOutcome sync_failed(int status, const std::string& run_dir, const std::string& problem) {
  std::cerr << "wandb: " << run_dir << ": " << problem << std::endl;
  return {status, problem};
}

std::string rows_text(int64_t rows) { return std::to_string(rows) + (rows == 1 ? " row" : " rows"); }

}  // namespace

SyncOutcome sync_run(const std::string& run_dir, const Server& server, double timeout_seconds) {
  const std::optional<RunSettings> run = read_run_settings(run_dir);
  if (!run) return sync_failed(2, run_dir, "has no wandb/run.json: it was not run with the wandb logger");
  const nlohmann::json config = wandb_config((fs::path(run_dir) / "config.yaml").string());
  UploadTiming timing;
  timing.send_every_seconds = 0;
  std::unique_ptr<Uploader> uploader;
  std::string live_holder;
  try {
    uploader = std::make_unique<Uploader>(run_dir, *run, config, server, timing, UploadRole::Sync);
  } catch (const FolderInUse& in_use) {
    live_holder = in_use.holder;
    uploader = std::make_unique<Uploader>(run_dir, *run, config, server, timing, UploadRole::LiveSnapshot);
  }
  const UploadResult result = uploader->finish(std::nullopt, timeout_seconds);
  if (!result.refused.empty()) return sync_failed(1, run_dir, refused_message(result.refused));
  if (!result.complete) {
    std::ostringstream problem;
    problem << result.unsent_rows << " of " << rows_text(result.rows) << (live_holder.empty() ? " and the exit code" : "")
            << " not uploaded within " << timeout_seconds << " s; run mmkd-wandb-sync again";
    return sync_failed(1, run_dir, problem.str());
  }
  std::cout << "wandb: " << run_dir << " uploaded to " << result.run_url << " (" << rows_text(result.rows);
  if (!live_holder.empty())
    std::cout << " written so far: the run is still being logged by " << live_holder
              << ", so its upload state was left to it and no exit code was sent; sync again once it ended";
  std::cout << ")" << std::endl;
  return {};
}

}  // namespace mmkd::wandb

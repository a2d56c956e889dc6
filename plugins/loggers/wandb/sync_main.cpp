// mmkd-wandb-sync RUN_DIR: uploads what the wandb logger kept in RUN_DIR/wandb (an offline
// run, or rows a run could not send) and the run's exit code, if it ended.
#include "config_json.hpp"
#include "credentials.hpp"
#include "run_settings.hpp"
#include "uploader.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;
using namespace mmkd::wandb;

int sync(const std::string& run_dir, double timeout_seconds) {
  const std::optional<RunSettings> run = read_run_settings(run_dir);
  if (!run) {
    std::cerr << "wandb: " << run_dir << " has no wandb/run.json: it was not run with the wandb logger" << std::endl;
    return 2;
  }
  const std::string base_url = base_url_from_environment();
  const std::optional<std::string> key = find_api_key(base_url);
  if (!key) {
    std::cerr << "wandb: " << missing_key_message(base_url) << std::endl;
    return 2;
  }
  UploadTiming timing;
  timing.send_every_seconds = 0;
  Uploader uploader(run_dir, *run, wandb_config((fs::path(run_dir) / "config.yaml").string()), Server{base_url, *key},
                    timing, /*new_session=*/false);
  const UploadResult result = uploader.finish(std::nullopt, timeout_seconds);
  if (!result.refused.empty()) {
    std::cerr << "wandb: " << refused_message(result.refused) << std::endl;
    return 1;
  }
  if (!result.complete) {
    std::cerr << "wandb: " << result.unsent_rows << " of " << result.rows << " rows and the exit code of " << run_dir
              << " not uploaded within " << timeout_seconds << " s; run mmkd-wandb-sync again" << std::endl;
    return 1;
  }
  std::cout << "wandb: " << run_dir << " uploaded to " << result.run_url << " (" << result.rows << " rows)" << std::endl;
  return 0;
}

int main(int argc, char** argv) {
  CLI::App app{"Uploads a run folder's W&B rows kept by the wandb logger (offline or interrupted runs)"};
  std::string run_dir;
  double timeout_seconds = 300;
  app.add_option("run_dir", run_dir, "run folder (holds wandb/run.json and wandb/history.jsonl)")->required();
  app.add_option("--timeout", timeout_seconds, "seconds to keep retrying before giving up")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return sync(run_dir, timeout_seconds);
  } catch (const std::exception& e) {
    std::cerr << "wandb: " << e.what() << std::endl;
    return 2;
  }
}

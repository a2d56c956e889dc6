#include "wandb_logger.hpp"

#include <mmkd_wandb/config_json.hpp>
#include <mmkd_wandb/credentials.hpp>
#include <mmkd_wandb/run_settings.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace mmkd::wandb {

namespace {

// The option when set, else the official client's environment variable, else "".
std::string option_or_environment(const Options& options, const std::string& option, const char* variable) {
  const std::string value = options.get<std::string>(option);
  return value.empty() ? environment(variable) : value;
}

std::vector<std::string> comma_separated_tags(const std::string& text) {
  std::vector<std::string> tags;
  for (size_t begin = 0; begin <= text.size();) {
    const size_t end = std::min(text.find(',', begin), text.size());
    if (end > begin) tags.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return tags;
}

RunSettings run_settings(const Options& options, const Context& context) {
  RunSettings run;
  run.project = option_or_environment(options, "project", "WANDB_PROJECT");
  if (run.project.empty()) options.fail("project", "no W&B project: set this option or WANDB_PROJECT");
  run.entity = option_or_environment(options, "entity", "WANDB_ENTITY");
  run.group = option_or_environment(options, "group", "WANDB_RUN_GROUP");
  if (run.group.empty()) run.group = context.experiment_name;
  run.tags = options.get<std::vector<std::string>>("tags");
  if (run.tags.empty()) run.tags = comma_separated_tags(environment("WANDB_TAGS"));
  run.name = option_or_environment(options, "name", "WANDB_NAME");
  if (run.name.empty()) {
    const std::string folder = fs::path(context.run_dir).lexically_normal().filename().string();
    run.name = context.experiment_name.empty() ? folder : context.experiment_name + "/" + folder;
  }
  run.notes = option_or_environment(options, "notes", "WANDB_NOTES");
  run.job_type = option_or_environment(options, "job_type", "WANDB_JOB_TYPE");
  run.resume = option_or_environment(options, "resume", "WANDB_RESUME");
  if (run.resume == "true") run.resume = "auto";
  if (!run.resume.empty() && run.resume != "allow" && run.resume != "auto" && run.resume != "must" && run.resume != "never")
    options.fail("resume", "`" + run.resume + "` is no W&B resume policy: allow, auto, must or never (or WANDB_RESUME)");
  run.run_id = option_or_environment(options, "run_id", "WANDB_RUN_ID");
  if (!run.run_id.empty() && !valid_run_id(run.run_id))
    options.fail("run_id", "`" + run.run_id + "` is not a W&B run id: use letters, digits, `-` and `_`, at most 64");
  if (run.run_id.empty()) {
    const std::optional<RunSettings> before = read_run_settings(context.run_dir);
    run.run_id = before ? before->run_id : run_id_for_folder(context.run_dir);
  }
  return run;
}

}  // namespace

ComponentInfo WandbLogger::info() {
  return ComponentInfo("wandb",
                       "Weights & Biases: creates or resumes the run (config, group, tags) and streams the logged "
                       "metrics from a background thread. The key comes from WANDB_API_KEY or ~/.netrc, the server "
                       "from WANDB_BASE_URL; WANDB_MODE=offline keeps everything in RUN_DIR/wandb (WANDB_DIR/wandb/... when set) for "
                       "`mmkd wandb-sync RUN_DIR`.")
      .option("project", "", "W&B project; empty: WANDB_PROJECT (one of them is required)")
      .option("entity", "", "W&B user or team; empty: WANDB_ENTITY, else the API key's default entity")
      .option("group", "", "run group; empty: WANDB_RUN_GROUP, else the experiment's name")
      .option("tags", std::vector<std::string>{}, "run tags; empty: WANDB_TAGS (comma-separated)")
      .option("name", "", "display name; empty: WANDB_NAME, else <experiment>/<run folder>")
      .option("notes", "", "run notes (the description on the run's page); empty: WANDB_NOTES")
      .option("job_type", "", "job type, e.g. train or eval; empty: WANDB_JOB_TYPE")
      .option("resume", "",
              "must: fail (rows kept for wandb-sync) unless the W&B run exists; never: fail if it exists; allow, auto "
              "or empty: create or continue it; empty: WANDB_RESUME")
      .option("run_id", "",
              "W&B run id; empty: WANDB_RUN_ID, else the one this run folder used before, else a hash of the run "
              "folder's path, so --resume continues the same W&B run")
      .option("send_every_seconds", 2.0, "history rows are sent at most this often while the run goes on", at_least(0))
      .option("retry_seconds", 2.0, "wait after a failed request, doubled after each further failure", positive())
      .option("max_retry_seconds", 300.0, "longest wait between retries", positive())
      .option("finish_timeout_seconds", 30.0, "how long the end of the run waits for the upload to complete",
              at_least(0));
}

WandbLogger::WandbLogger(const Options& options, const Context& context)
    : run_dir_(context.run_dir), finish_timeout_seconds_(options.get<double>("finish_timeout_seconds")) {
  if (context.run_dir.empty()) throw Error("the wandb logger keeps its rows in the run folder, and there is none here");
  const Mode mode = mode_from_environment();
  if (mode == Mode::Disabled) return;
  const RunSettings run = run_settings(options, context);
  std::optional<Server> server;
  if (mode == Mode::Online) {
    const std::string base_url = base_url_from_environment();
    const std::optional<std::string> key = find_api_key(base_url);
    if (!key) throw Error(missing_key_message(base_url));
    server = Server{base_url, *key};
  }
  UploadTiming timing;
  timing.send_every_seconds = options.get<double>("send_every_seconds");
  timing.retry_seconds = options.get<double>("retry_seconds");
  timing.max_retry_seconds = options.get<double>("max_retry_seconds");
  uploader_ = std::make_unique<Uploader>(run_dir_, run, wandb_config((fs::path(run_dir_) / "config.yaml").string()),
                                         std::move(server), timing, UploadRole::Logger);
  write_run_settings(run_dir_, run);
}

WandbLogger::~WandbLogger() { end(1); }

void WandbLogger::log(int64_t step, const std::map<std::string, double>& metrics) {
  if (uploader_) uploader_->log(step, metrics);
}

void WandbLogger::finish(bool success) { end(success ? 0 : 1); }

void WandbLogger::end(int exitcode) {
  if (!uploader_) return;
  const UploadResult result = uploader_->finish(exitcode, finish_timeout_seconds_);
  const std::string folder = uploader_->folder();
  uploader_.reset();
  const std::string sync = "; upload with `mmkd wandb-sync " + run_dir_ + "`";
  if (result.offline)
    std::cerr << "wandb: offline run: " << result.rows << " rows kept in " << folder << sync << std::endl;
  else if (!result.refused.empty())
    std::cerr << "wandb: " << refused_message(result.refused) << "; " << result.rows << " rows kept in " << folder
              << std::endl;
  else if (!result.complete)
    std::cerr << "wandb: " << result.unsent_rows << " of " << result.rows << " rows and the exit code not uploaded in "
              << finish_timeout_seconds_ << " s; kept in " << folder << sync << std::endl;
  else
    std::cerr << "wandb: run " << result.run_url << " finished with exit code " << exitcode << std::endl;
}

}  // namespace mmkd::wandb

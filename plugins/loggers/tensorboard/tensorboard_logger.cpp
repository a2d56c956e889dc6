#include "tensorboard_logger.hpp"

#include "event_proto.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace mmkd::tensorboard {

namespace {

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0' ? name : "localhost";
}

fs::path event_folder(const Options& options, const Context& context) {
  const std::string dir = options.get<std::string>("dir");
  if (!dir.empty()) return dir;
  if (context.run_dir.empty())
    throw Error("the tensorboard logger writes to RUN_DIR/tensorboard, and there is no run folder here: set `dir`");
  return fs::path(context.run_dir) / "tensorboard";
}

// events.out.tfevents.<unix seconds>.<host>, with .1, .2, ... after it when that file exists (a resume in the same second).
fs::path new_event_file(const fs::path& folder, double wall_time) {
  const std::string name = "events.out.tfevents." + std::to_string(static_cast<int64_t>(wall_time)) + "." + host_name();
  fs::path path = folder / name;
  for (int n = 1; fs::exists(path); ++n) path = folder / (name + "." + std::to_string(n));
  return path;
}

std::string read_text_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file) throw Error("cannot read " + path.string());
  return text.str();
}

// `text` as a fenced markdown code block, the fence longer than any run of backticks in it.
std::string markdown_code_block(const std::string& text, const std::string& language) {
  size_t longest_run = 0, run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest_run = std::max(longest_run, run);
  }
  const std::string fence(std::max<size_t>(3, longest_run + 1), '`');
  const bool ends_line = !text.empty() && text.back() == '\n';
  return fence + language + "\n" + text + (ends_line ? "" : "\n") + fence + "\n";
}

}  // namespace

ComponentInfo TensorboardLogger::info() {
  return ComponentInfo("tensorboard",
                       "TensorBoard event files: every logged metric as a scalar, tagged with its name, and the "
                       "resolved config as text at step 0. Rank 0 writes a new file per run or resume, flushed at every "
                       "log; `tensorboard --logdir runs/` shows the runs, live.")
      .option("dir", "",
              "folder of the event files; empty: RUN_DIR/tensorboard. A relative path starts from the working "
              "directory");
}

TensorboardLogger::TensorboardLogger(const Options& options, const Context& context) {
  if (context.rank != 0) return;
  const fs::path folder = event_folder(options, context);
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throw Error("cannot create the TensorBoard folder " + folder.string() + ": " + error.message());
  const double now = unix_seconds_now();
  writer_.emplace(new_event_file(folder, now).string());
  writer_->write(file_version_event(now));
  const fs::path config = fs::path(context.run_dir) / "config.yaml";
  if (!context.run_dir.empty() && fs::exists(config))
    writer_->write(text_event(now, 0, "config", markdown_code_block(read_text_file(config), "yaml")));
}

void TensorboardLogger::log(int64_t step, const std::map<std::string, double>& metrics) {
  if (writer_) writer_->write(scalars_event(unix_seconds_now(), step, metrics));
}

void TensorboardLogger::finish(bool /*success*/) { writer_.reset(); }

}  // namespace mmkd::tensorboard

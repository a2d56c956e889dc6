#include "state/run_folder.hpp"

#include "io/atomic_file.hpp"
#include "state/checkpoint.hpp"

#include <mmkd/error.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mmkd {

static bool has_checkpoints(const fs::path& dir) { return !CheckpointFolder((dir / "checkpoints").string()).list().empty(); }

// The newest (by name, i.e. timestamp) folder under experiment_dir that holds checkpoints.
static std::optional<fs::path> newest_with_checkpoints(const fs::path& experiment_dir) {
  std::optional<fs::path> newest;
  if (fs::is_directory(experiment_dir))
    for (const auto& entry : fs::directory_iterator(experiment_dir))
      if (entry.is_directory() && has_checkpoints(entry.path()) && (!newest || entry.path() > *newest)) newest = entry.path();
  return newest;
}

static ConfigError already_holds_checkpoints(const std::string& dir) {
  return ConfigError({"<command line>", 0, 0}, "--run-dir",
                     "run folder " + dir + " already holds checkpoints: add --resume to continue it, or choose another folder");
}

RunFolder prepare_run_folder(const std::string& runs_dir, const std::string& name, const std::string& explicit_dir,
                             Resume resume) {
  const fs::path experiment_dir = fs::path(runs_dir) / name;
  if (resume == Resume::if_any) {
    const bool resumable =
        explicit_dir.empty() ? newest_with_checkpoints(experiment_dir).has_value() : has_checkpoints(explicit_dir);
    resume = resumable ? Resume::required : Resume::no;
  }
  if (resume == Resume::required) {
    if (!explicit_dir.empty()) {
      if (!has_checkpoints(explicit_dir))
        throw ConfigError({"<command line>", 0, 0}, "--resume", "run folder " + explicit_dir + " holds no checkpoint to resume");
      return {explicit_dir, true};
    }
    const std::optional<fs::path> newest = newest_with_checkpoints(experiment_dir);
    if (!newest)
      throw ConfigError({"<command line>", 0, 0}, "--resume",
                        "no run of `" + name + "` with a checkpoint under " + experiment_dir.string() +
                            "; start one without --resume, or pass --run-dir");
    return {newest->string(), true};
  }
  if (!explicit_dir.empty()) {
    if (has_checkpoints(explicit_dir)) throw already_holds_checkpoints(explicit_dir);
    return {explicit_dir, false};
  }
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  const std::string stamp = fmt::format("{:%Y%m%d-%H%M%S}", local);
  fs::path dir = experiment_dir / stamp;
  for (int suffix = 2; fs::exists(dir); ++suffix) dir = experiment_dir / fmt::format("{}-{}", stamp, suffix);
  return {dir.string(), false};
}

RunFolderClaim::RunFolderClaim(const RunFolder& folder) {
  fs::create_directories(folder.path);
  const std::string lock = (fs::path(folder.path) / ".lock").string();
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open " + lock + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    std::string holder(32, '\0');
    holder.resize(static_cast<size_t>(std::max<ssize_t>(0, ::pread(fd_, holder.data(), holder.size(), 0))));
    ::close(fd_);
    fd_ = -1;
    throw ConfigError({"<command line>", 0, 0}, "--run-dir",
                      "run folder " + folder.path + " is in use by another mmkd run" +
                          (holder.empty() ? std::string() : " (process " + holder + ")") +
                          ": wait for it to end, or choose another folder");
  }
  const std::string pid = std::to_string(::getpid());
  const bool recorded = ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) == ssize_t(pid.size());
  if (!recorded || (!folder.resumed && has_checkpoints(folder.path))) {
    ::close(fd_);
    fd_ = -1;
    if (!recorded) throw Error("cannot write " + lock + ": " + std::strerror(errno));
    throw already_holds_checkpoints(folder.path);
  }
}

RunFolderClaim::~RunFolderClaim() {
  if (fd_ >= 0) ::close(fd_);
}

void write_run_status(const std::string& run_dir, const std::string& state, int64_t step, const std::string& detail) {
  nlohmann::json status = {{"state", state}, {"step", step}};
  if (!detail.empty()) status["detail"] = detail;
  write_text_atomically((fs::path(run_dir) / "status.json").string(), status.dump(2) + "\n");
}

std::string read_run_state(const std::string& run_dir) {
  std::ifstream in(fs::path(run_dir) / "status.json");
  if (!in) return "";
  auto status = nlohmann::json::parse(in, nullptr, false);
  return status.is_object() ? status.value("state", "") : "";
}

}  // namespace mmkd

#include <mmkd_wandb/run_store.hpp>

#include <mmkd_wandb/run_settings.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace fs = std::filesystem;

namespace mmkd::wandb {

namespace {

// W&B's client writes non-finite floats as the bare tokens NaN, Infinity and -Infinity.
std::string wandb_line(const nlohmann::json& value) {
  if (value.is_object()) {
    std::string text = "{";
    for (const auto& [key, element] : value.items())
      text += (text.size() > 1 ? "," : "") + nlohmann::json(key).dump() + ":" + wandb_line(element);
    return text + "}";
  }
  if (value.is_string() && (value == "NaN" || value == "Infinity" || value == "-Infinity")) return value;
  return value.dump();
}

// The complete lines of a history file; `cut_partial_line` removes a last line a crash left half written.
std::vector<std::string> read_complete_lines(const std::string& path, bool cut_partial_line) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  if (start < text.size() && cut_partial_line) fs::resize_file(path, start);
  return lines;
}

// `object[key]` when it has that JSON type, else `fallback`: files an earlier session (or anyone)
// left are read without trusting their types.
template <class T>
T field_or(const nlohmann::json& object, const char* key, T fallback) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if constexpr (std::is_same_v<T, bool>) return it->is_boolean() ? it->get<bool>() : fallback;
  else if constexpr (std::is_integral_v<T>) return it->is_number_integer() ? it->get<T>() : fallback;
  else return it->is_string() ? it->get<T>() : fallback;
}

// "process 1234 on node17" from a lock file's "1234 node17".
std::string lock_holder(int fd) {
  char text[300];
  const ssize_t size = pread(fd, text, sizeof text - 1, 0);
  std::istringstream in(std::string(text, size > 0 ? static_cast<size_t>(size) : 0));
  long pid = 0;
  std::string host;
  return in >> pid >> host ? "process " + std::to_string(pid) + " on " + host : "another process";
}

// Best effort: a lock file that cannot be written only makes lock_holder say "another process".
void record_lock_holder(int fd) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string text = std::to_string(getpid()) + " " + host + "\n";
  if (ftruncate(fd, 0) != 0) return;
  [[maybe_unused]] const ssize_t written = pwrite(fd, text.data(), text.size(), 0);
}

}  // namespace

nlohmann::json row_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  fs::rename(temporary, path);
}

RunStore::FolderLock::FolderLock(const std::string& folder) {
  fs::create_directories(folder);
  const std::string path = (fs::path(folder) / "lock").string();
  fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = lock_holder(fd);
    close(fd);
    throw FolderInUse(folder + " is in use by " + holder + ", a wandb logger or mmkd-wandb-sync (one at a time per run "
                      "folder)", holder);
  }
  record_lock_holder(fd);
}

RunStore::FolderLock::~FolderLock() { close(fd); }

RunStore::RunStore(const std::string& run_dir, StoreAccess access) : folder_(wandb_folder(run_dir)), access_(access) {
  if (access_ == StoreAccess::Owner) lock_.emplace(folder_);
  const std::string history_path = (fs::path(folder_) / "history.jsonl").string();
  for (const std::string& line : read_complete_lines(history_path, access_ == StoreAccess::Owner)) {
    nlohmann::json row = nlohmann::json::parse(line, nullptr, false);
    if (!row.is_object())
      throw std::runtime_error(history_path + ": line " + std::to_string(lines_.size() + 1) + " is not a JSON object");
    for (const auto& [key, value] : row.items()) summary_[key] = value;
    last_step_ = field_or(row, "_step", int64_t{0});
    lines_.push_back(wandb_line(row));
  }
  if (access_ == StoreAccess::Owner) {
    history_.open(history_path, std::ios::binary | std::ios::app);
    if (!history_) throw std::runtime_error("cannot write " + history_path);
  }

  std::ifstream in(fs::path(folder_) / "upload.json");
  const nlohmann::json state = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
  if (state.is_object()) {
    state_.target = field_or(state, "target", std::string());
    state_.acked_rows = std::clamp(field_or(state, "acked_rows", int64_t{0}), int64_t{0}, rows());
    if (state.contains("exitcode") && state["exitcode"].is_number_integer()) state_.exitcode = state["exitcode"].get<int>();
    state_.exit_sent = field_or(state, "exit_sent", false);
  }
}

std::vector<std::string> RunStore::lines(int64_t first, int64_t count) const {
  const int64_t end = std::min(rows(), first + count);
  return first >= end ? std::vector<std::string>{} : std::vector<std::string>(lines_.begin() + first, lines_.begin() + end);
}

std::string RunStore::summary_line() const {
  nlohmann::json summary = summary_;
  summary["_wandb"] = {{"runtime", static_cast<int64_t>(last_runtime())}};
  return wandb_line(summary);
}

double RunStore::last_runtime() const {
  const auto runtime = summary_.find("_runtime");
  const double seconds = runtime != summary_.end() && runtime->is_number() ? runtime->get<double>() : 0.0;
  return std::clamp(seconds, 0.0, 1e12);  // a whole number of seconds in the summary
}

void RunStore::append(const nlohmann::json& row) {
  if (access_ != StoreAccess::Owner) throw std::logic_error("a snapshot of " + folder_ + " cannot add rows");
  history_ << row.dump() << '\n';
  if (!history_.flush()) throw std::runtime_error("cannot write " + folder_ + "/history.jsonl");
  for (const auto& [key, value] : row.items()) summary_[key] = value;
  last_step_ = field_or(row, "_step", int64_t{0});
  lines_.push_back(wandb_line(row));
}

void RunStore::save(const UploadState& state) {
  state_ = state;
  if (access_ != StoreAccess::Owner) return;
  nlohmann::json json = {{"target", state.target}, {"acked_rows", state.acked_rows}, {"exit_sent", state.exit_sent}};
  json["exitcode"] = state.exitcode ? nlohmann::json(*state.exitcode) : nlohmann::json(nullptr);
  write_file_atomically((fs::path(folder_) / "upload.json").string(), json.dump(2) + "\n");
}

}  // namespace mmkd::wandb

#pragma once
// What a run keeps on disk for W&B, under RUN_DIR/wandb: history.jsonl holds every history
// row (line i is the row at W&B offset i), written before it is sent; upload.json says how
// many rows the server acknowledged and which exit code is still to be sent.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mmkd::wandb {

// Owner: holds the folder's lock, cuts a half-written last line, writes rows and upload.json.
// Snapshot: reads the complete lines and upload.json beside a live owner and writes nothing.
enum class StoreAccess { Owner, Snapshot };

// Another process holds the folder's lock; `holder` names it: "process 1234 on node17".
struct FolderInUse : std::runtime_error {
  FolderInUse(const std::string& message, std::string holder) : std::runtime_error(message), holder(std::move(holder)) {}
  std::string holder;
};

struct UploadState {
  std::string target;            // RunSettings::target() the acknowledged rows went to
  int64_t acked_rows = 0;
  std::optional<int> exitcode;   // recorded when the run ended
  bool exit_sent = false;
};

class RunStore {
 public:
  // Opens RUN_DIR/wandb (created when missing) and reads what an earlier session left. One
  // owner at a time may hold a folder: a second one throws FolderInUse.
  explicit RunStore(const std::string& run_dir, StoreAccess access = StoreAccess::Owner);
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& folder() const { return folder_; }
  int64_t rows() const { return static_cast<int64_t>(lines_.size()); }
  // History lines as W&B reads them: JSON with NaN / Infinity for non-finite values.
  std::vector<std::string> lines(int64_t first, int64_t count) const;
  // wandb-summary.json: the latest value of every key, and the run time.
  std::string summary_line() const;
  std::optional<int64_t> last_step() const { return last_step_; }
  double last_runtime() const;

  // Appends a row ({"_step": ..., "_runtime": ..., "_timestamp": ..., metrics}) and flushes it; owner only.
  void append(const nlohmann::json& row);

  const UploadState& state() const { return state_; }
  void save(const UploadState& state);  // a snapshot keeps it in memory only

 private:
  // flock of FOLDER/lock, released when the process ends however it ends; the file names the holder.
  struct FolderLock {
    explicit FolderLock(const std::string& folder);
    ~FolderLock();
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;
    int fd = -1;
  };

  std::string folder_;
  StoreAccess access_;
  std::optional<FolderLock> lock_;
  std::vector<std::string> lines_;
  nlohmann::json summary_ = nlohmann::json::object();
  std::optional<int64_t> last_step_;
  std::ofstream history_;
  UploadState state_;
};

// A row value for JSON: non-finite numbers become the strings "NaN", "Infinity", "-Infinity".
nlohmann::json row_value(double value);

// Writes `path` through a temporary file and a rename, so readers see the old or the new text.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace mmkd::wandb

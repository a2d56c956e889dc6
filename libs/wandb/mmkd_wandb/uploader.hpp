#pragma once
// Sends a run's history to W&B from a background thread. log() only queues; the thread
// writes each row to RUN_DIR/wandb/history.jsonl first, then sends the rows not yet
// acknowledged at their offsets, so a failed request is repeated with the same offsets
// (after 2, 4, 8, ... seconds) and nothing is lost or counted twice.
#include <mmkd_wandb/run_settings.hpp>
#include <mmkd_wandb/run_store.hpp>
#include <mmkd_wandb/wandb_api.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mmkd::wandb {

struct Server {
  std::string base_url;
  std::string api_key;
};

struct UploadTiming {
  double send_every_seconds = 2;  // history requests at most this often while the run goes on
  double retry_seconds = 2;       // wait after the first failed request, doubled after each further one
  double max_retry_seconds = 300;
  double heartbeat_seconds = 30;  // W&B marks a run crashed when it hears nothing for minutes
};

// Who uploads. Logger: the run's own process, owning the folder; an exit code an earlier
// session recorded no longer holds, and it prints the run's address. Sync: uploads what a run
// left, exit code included. LiveSnapshot: uploads the rows a process still logging the run
// wrote so far, without an exit code and changing no file.
enum class UploadRole { Logger, Sync, LiveSnapshot };

struct UploadResult {
  bool complete = false;  // every row, and the recorded exit code, acknowledged
  int64_t rows = 0;
  int64_t unsent_rows = 0;
  bool offline = false;
  std::string run_url;    // empty unless the run was created or resumed on the server
  std::string refused;    // the server's refusal ("HTTP 401: ..."), which no retry changes; empty when none
};

class Uploader {
 public:
  // Without `server` rows only go to disk (offline).
  Uploader(const std::string& run_dir, RunSettings run, nlohmann::json config, std::optional<Server> server,
           UploadTiming timing, UploadRole role);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Metrics of one step; several calls with the same step make one row. A step not after the
  // last one written is dropped, as W&B keeps steps increasing.
  void log(int64_t step, const std::map<std::string, double>& metrics);

  // Records `exitcode` when given and waits up to `timeout_seconds` for every row and the
  // recorded exit code to be acknowledged; then stops the thread (rows still go to disk).
  UploadResult finish(std::optional<int> exitcode, double timeout_seconds);

  const std::string& folder() const { return store_.folder(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    int64_t step;
    std::map<std::string, double> metrics;
    double timestamp;   // seconds since the epoch
    Clock::time_point at;
  };

  void work();
  void add(const Entry& entry);
  void end_rows();
  void send_due();
  bool attempt(const ApiResult& result, const char* what);
  bool check_resume_policy();  // WANDB_RESUME=must or never against the run on the server
  bool uploaded() const;
  std::optional<Clock::time_point> next_wake() const;
  void update_state(const std::function<void(UploadState&)>& change);

  UploadRole role_;
  RunStore store_;
  RunSettings run_;
  nlohmann::json config_;
  UploadTiming timing_;
  std::atomic<bool> aborted_{false};
  std::unique_ptr<WandbApi> api_;

  // Shared with the calling threads, under mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Entry> queue_;
  bool wake_ = false, finishing_ = false, done_ = false;
  std::optional<int> exit_request_;

  // The thread's own.
  std::optional<nlohmann::json> open_row_;
  Clock::time_point started_ = Clock::now();
  double runtime_base_ = 0;
  bool finishing_seen_ = false, run_ready_ = false, refused_ = false, warned_dropped_ = false;
  bool resume_policy_checked_ = false;
  std::string refusal_;
  int failures_ = 0;
  Clock::time_point retry_at_, last_send_, last_post_;
  UploadResult result_;

  std::thread worker_;
};

}  // namespace mmkd::wandb

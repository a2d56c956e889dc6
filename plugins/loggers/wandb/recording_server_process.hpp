#pragma once
// Test helper: tools/wandb_recording_server.py as a child process, a W&B server on 127.0.0.1 that
// records every request. It stops when this object closes its standard input.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace mmkd::wandb::testing {

class RecordingServerProcess {
 public:
  // Starts the server with the Python of MMKD_PYTHON; its files go to `folder`.
  explicit RecordingServerProcess(const std::string& folder);
  ~RecordingServerProcess();
  RecordingServerProcess(const RecordingServerProcess&) = delete;
  RecordingServerProcess& operator=(const RecordingServerProcess&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:<port>
  // [{"method", "path", "operation", "known", "status", "user_agent", "authorization", "body"}, ...]
  nlohmann::json requests() const;

 private:
  std::string record_path_, log_path_, url_;
  FILE* input_ = nullptr;
};

}  // namespace mmkd::wandb::testing

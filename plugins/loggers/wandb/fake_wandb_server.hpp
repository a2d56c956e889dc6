#pragma once
// A W&B server for tests: a blocking socket server thread on 127.0.0.1 that answers
// upsertBucket, RunResumeStatus and file_stream, and keeps what W&B would (history lines by offset, the last
// summary, the exit code). It can fail requests: HTTP 500 or 401, or a dropped connection
// before or after it handled the request.
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mmkd::wandb::testing {

enum class Failure { None, Status500, Status401, DropBeforeHandling, DropAfterHandling };

struct Request {
  std::string path;
  std::string authorization;
  nlohmann::json body;
  Failure failure = Failure::None;
  bool handled() const { return failure == Failure::None || failure == Failure::DropAfterHandling; }
};

class FakeWandbServer {
 public:
  FakeWandbServer();
  ~FakeWandbServer();

  std::string url() const;  // http://127.0.0.1:<port>
  void fail_next(const std::vector<Failure>& failures);  // the next requests, in order
  void fail_all(bool fail);                              // every request gets HTTP 500
  void set_delay(double seconds);                        // before each answer

  std::vector<Request> requests() const;
  std::vector<Request> file_stream_requests() const;  // handled ones
  std::map<int64_t, std::string> history() const;
  std::string summary() const;
  std::optional<int> exitcode() const;
  int pending_failures() const;

  // Polls `condition` until it holds or `seconds` pass; returns whether it held.
  static bool wait_until(const std::function<bool()>& condition, double seconds = 5);

 private:
  void serve();
  void answer(int connection);
  std::string handle(const Request& request, int& status);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::deque<Failure> failures_;
  bool fail_all_ = false;
  double delay_seconds_ = 0;
  std::set<std::string> runs_;  // run ids upsertBucket created
  std::map<int64_t, std::string> history_;
  std::string summary_;
  std::optional<int> exitcode_;
  std::thread thread_;
};

}  // namespace mmkd::wandb::testing

#pragma once
// The two W&B endpoints a run needs: GraphQL `upsertBucket` creates or resumes the run with
// its config, group and tags; `file_stream` appends history rows at their offsets, replaces
// the summary and marks the run complete with its exit code.
#include <mmkd_wandb/http_client.hpp>
#include <mmkd_wandb/run_settings.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <vector>

namespace mmkd::wandb {

enum class Outcome { Ok, Retry, Refused };  // Retry: network, 5xx, 408, 409, 429; Refused: any other answer

struct ApiResult {
  Outcome outcome = Outcome::Ok;
  std::string detail;  // why it failed: libcurl's reason, the HTTP status, or the server's error
};

// What the server answered to upsertBucket: the run's entity and how many history lines it
// holds, or why the answer cannot be used. Any body, however malformed, gives a result.
struct UpsertAnswer {
  ApiResult result;
  std::string entity;
  int64_t history_lines = 0;
};
UpsertAnswer parse_upsert_answer(const std::string& body, const std::string& project);

struct RunPresence {
  ApiResult result;
  bool exists = false;
};

class WandbApi {
 public:
  WandbApi(std::string base_url, std::string api_key, const std::atomic<bool>& abort);

  // `config`: {"key": {"value": ...}}. Learns the entity (the key's default one when unset)
  // and how many history lines the server holds.
  ApiResult upsert_run(const RunSettings& run, const nlohmann::json& config);
  int64_t server_history_lines() const { return server_history_lines_; }
  RunPresence run_presence(const RunSettings& run);  // whether the W&B run exists (RunResumeStatus)
  ApiResult send_history(int64_t offset, const std::vector<std::string>& lines, const std::string& summary);
  ApiResult send_exit(int exitcode);
  ApiResult heartbeat();

  const std::string& base_url() const { return base_url_; }
  std::string run_url() const;  // the run's page, once upsert_run succeeded

 private:
  ApiResult post_file_stream(const nlohmann::json& body);
  std::string base_url_;
  HttpClient http_;
  std::string entity_, project_, run_id_;
  int64_t server_history_lines_ = 0;
};

}  // namespace mmkd::wandb

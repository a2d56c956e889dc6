#include <mmkd_wandb/wandb_api.hpp>

namespace mmkd::wandb {

namespace {

const char* const kUpsertBucket = R"(mutation UpsertBucket($name: String, $project: String, $entity: String,
    $groupName: String, $displayName: String, $notes: String, $jobType: String, $config: JSONString, $tags: [String!]) {
  upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, groupName: $groupName,
                       displayName: $displayName, notes: $notes, jobType: $jobType, config: $config, tags: $tags}) {
    bucket { id name displayName project { name entity { name } } historyLineCount }
    inserted
  }
})";

const char* const kRunResumeStatus = R"(query RunResumeStatus($project: String, $entity: String, $name: String!) {
  model(name: $project, entityName: $entity) { bucket(name: $name, missingOk: true) { id historyLineCount } }
})";

ApiResult outcome_of(const HttpResponse& response) {
  if (response.status == 0) return {Outcome::Retry, response.error};
  if (response.status >= 200 && response.status < 300) return {Outcome::Ok, ""};
  const std::string detail = "HTTP " + std::to_string(response.status) + (response.body.empty() ? "" : ": " + response.body.substr(0, 200));
  const bool transient = response.status >= 500 || response.status == 408 || response.status == 409 || response.status == 429;
  return {transient ? Outcome::Retry : Outcome::Refused, detail};
}

}  // namespace

UpsertAnswer parse_upsert_answer(const std::string& body, const std::string& project) {
  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (!answer.is_object()) return {{Outcome::Retry, "the GraphQL answer is not JSON"}};
  const auto errors = answer.find("errors");
  if (errors != answer.end() && !errors->empty()) {
    const nlohmann::json& first = errors->is_array() ? errors->front() : *errors;
    const auto message = first.is_object() ? first.find("message") : first.end();
    const bool has_message = first.is_object() && message != first.end() && message->is_string();
    return {{Outcome::Refused, has_message ? message->get<std::string>() : first.dump()}};
  }
  const nlohmann::json::json_pointer entity_name("/data/upsertBucket/bucket/project/entity/name");
  if (!answer.contains(entity_name) || !answer[entity_name].is_string())
    return {{Outcome::Refused, "the upsertBucket answer names no entity for project " + project}};
  const nlohmann::json::json_pointer history_lines("/data/upsertBucket/bucket/historyLineCount");
  const bool counted = answer.contains(history_lines) && answer[history_lines].is_number_integer();
  return {{Outcome::Ok, ""}, answer[entity_name].get<std::string>(), counted ? answer[history_lines].get<int64_t>() : 0};
}

WandbApi::WandbApi(std::string base_url, std::string api_key, const std::atomic<bool>& abort)
    : base_url_(std::move(base_url)), http_(std::move(api_key), abort) {}

ApiResult WandbApi::upsert_run(const RunSettings& run, const nlohmann::json& config) {
  nlohmann::json variables = {{"name", run.run_id}, {"project", run.project}};
  if (!run.tags.empty()) variables["tags"] = run.tags;
  if (!run.entity.empty()) variables["entity"] = run.entity;
  if (!run.group.empty()) variables["groupName"] = run.group;
  if (!run.name.empty()) variables["displayName"] = run.name;
  if (!run.notes.empty()) variables["notes"] = run.notes;
  if (!run.job_type.empty()) variables["jobType"] = run.job_type;
  if (!config.empty()) variables["config"] = config.dump();
  const nlohmann::json body = {{"operationName", "UpsertBucket"}, {"query", kUpsertBucket}, {"variables", variables}};
  const HttpResponse response = http_.post_json(base_url_ + "/graphql", body.dump());
  ApiResult result = outcome_of(response);
  if (result.outcome != Outcome::Ok) return result;
  const UpsertAnswer answer = parse_upsert_answer(response.body, run.project);
  if (answer.result.outcome != Outcome::Ok) return answer.result;
  entity_ = answer.entity;
  server_history_lines_ = answer.history_lines;
  project_ = run.project;
  run_id_ = run.run_id;
  return result;
}

RunPresence WandbApi::run_presence(const RunSettings& run) {
  nlohmann::json variables = {{"name", run.run_id}, {"project", run.project}};
  if (!run.entity.empty()) variables["entity"] = run.entity;
  const nlohmann::json body = {{"operationName", "RunResumeStatus"}, {"query", kRunResumeStatus}, {"variables", variables}};
  const HttpResponse response = http_.post_json(base_url_ + "/graphql", body.dump());
  const ApiResult result = outcome_of(response);
  if (result.outcome != Outcome::Ok) return {result};
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("data")) return {{Outcome::Retry, "the RunResumeStatus answer has no data"}};
  const nlohmann::json::json_pointer bucket("/data/model/bucket");
  return {result, answer.contains(bucket) && answer[bucket].is_object()};
}

ApiResult WandbApi::send_history(int64_t offset, const std::vector<std::string>& lines, const std::string& summary) {
  nlohmann::json files = {{"wandb-summary.json", {{"offset", 0}, {"content", nlohmann::json::array({summary})}}}};
  if (!lines.empty()) files["wandb-history.jsonl"] = {{"offset", offset}, {"content", lines}};
  return post_file_stream({{"files", files}});
}

ApiResult WandbApi::send_exit(int exitcode) { return post_file_stream({{"complete", true}, {"exitcode", exitcode}}); }

ApiResult WandbApi::heartbeat() { return post_file_stream({{"complete", false}, {"failed", false}}); }

std::string WandbApi::run_url() const {
  const std::string app = base_url_ == "https://api.wandb.ai" ? "https://wandb.ai" : base_url_;
  return app + "/" + entity_ + "/" + project_ + "/runs/" + run_id_;
}

ApiResult WandbApi::post_file_stream(const nlohmann::json& body) {
  const std::string url =
      base_url_ + "/files/" + http_.escape(entity_) + "/" + http_.escape(project_) + "/" + http_.escape(run_id_) + "/file_stream";
  return outcome_of(http_.post_json(url, body.dump()));
}

}  // namespace mmkd::wandb

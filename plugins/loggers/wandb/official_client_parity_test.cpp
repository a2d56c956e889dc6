// W&B's official client (the wandb package of MMKD_PYTHON's environment, driven by
// tools/wandb_reference_run.py) and the wandb logger log the same run to one recording server
// (tools/wandb_recording_server.py). The logger must send what the official client sends; the
// differences docs/loggers.md names under "What is sent" are asserted as such.
#include <mmkd_wandb/config_json.hpp>
#include "python_tools.hpp"
#include "recording_server_process.hpp"
#include <mmkd_wandb/run_store.hpp>
#include "wandb_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <regex>
#include <set>

namespace fs = std::filesystem;

namespace mmkd::wandb::testing {
namespace {

const char* const kParityConfigYaml = R"(name: parity
trainer:
  batch_size: 8
  precision: fp32
  lr: 0.001
  betas: [0.9, 0.999]
model:
  student: {depth: 4, pretrained: false, checkpoint: null}
log:
  loggers:
    wandb: {type: wandb, tags: [kd, small]}
)";

// Several metrics at one step, one step in two calls, and non-finite values.
const std::vector<std::pair<int64_t, std::map<std::string, double>>> kParityLogs = {
    {1, {{"loss", 2.0}}},
    {2, {{"loss", 1.5}, {"lr", 0.1}}},
    {2, {{"eval.r1", 0.25}}},
    {3, {{"loss", std::numeric_limits<double>::quiet_NaN()}, {"grad_norm", std::numeric_limits<double>::infinity()},
         {"lr", 0.05}}},
};

// The reference script's spec: the same run settings and logs as the logger's options below.
nlohmann::json reference_spec() {
  nlohmann::json logs = nlohmann::json::array();
  for (const auto& [step, metrics] : kParityLogs) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [key, value] : metrics) values[key] = row_value(value);
    logs.push_back({step, values});
  }
  return {{"project", "demo"},          {"run_id", "parity-run1"}, {"name", "parity/first"},
          {"group", "parity-group"},    {"tags", {"kd", "small"}}, {"notes", "parity check"},
          {"job_type", "train"},        {"resume", "never"},       {"config", yaml_to_json(kParityConfigYaml)},
          {"logs", logs}};
}
const char* const kParityLoggerOptions = "run_id: parity-run1, name: parity/first, group: parity-group, tags: [kd, small], "
                                         "notes: parity check, job_type: train, resume: never";

// The official client's settings: no system metrics, console capture, git or code, and its
// files in `folder` rather than the home folder.
void set_official_client_environment(ScopedEnvironment& environment, const std::string& folder) {
  for (const char* name : {"WANDB_DIR", "WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"}) {
    const std::string path = (fs::path(folder) / name).string();
    fs::create_directories(path);
    environment.set(name, path);
  }
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"WANDB_SILENT", "true"}, {"WANDB_CONSOLE", "off"}, {"WANDB_DISABLE_GIT", "true"},
           {"WANDB_DISABLE_CODE", "true"}, {"WANDB_ERROR_REPORTING", "false"}, {"WANDB_X_DISABLE_STATS", "true"},
           {"WANDB_X_DISABLE_META", "true"}})
    environment.set(name, value);
}

std::string query_operation_name(const std::string& query) {
  static const std::regex header(R"(^\s*(?:query|mutation)\s+(\w+))");
  std::smatch match;
  return std::regex_search(query, match, header) ? match[1].str() : "";
}

// The GraphQL operations in the order they were first sent.
std::vector<std::string> recorded_operations(const nlohmann::json& requests) {
  std::vector<std::string> operations;
  for (const nlohmann::json& request : requests) {
    const std::string operation = request["operation"];
    if (!operation.empty() && std::find(operations.begin(), operations.end(), operation) == operations.end())
      operations.push_back(operation);
  }
  return operations;
}

std::vector<nlohmann::json> recorded_graphql(const nlohmann::json& requests, const std::string& operation) {
  std::vector<nlohmann::json> bodies;
  for (const nlohmann::json& request : requests)
    if (request["operation"] == operation) bodies.push_back(request["body"]);
  return bodies;
}

std::vector<nlohmann::json> recorded_file_streams(const nlohmann::json& requests) {
  std::vector<nlohmann::json> bodies;
  for (const nlohmann::json& request : requests) {
    const std::string path = request["path"];
    if (path.size() > 12 && path.substr(path.size() - 12) == "/file_stream") bodies.push_back(request["body"]);
  }
  return bodies;
}

size_t recorded_count(const nlohmann::json& requests, const std::string& method) {
  return static_cast<size_t>(std::count_if(requests.begin(), requests.end(),
                                           [&](const nlohmann::json& request) { return request["method"] == method; }));
}

// A variable sent as null is one not sent.
nlohmann::json without_null_values(const nlohmann::json& object) {
  nlohmann::json kept = nlohmann::json::object();
  for (const auto& [key, value] : object.items())
    if (!value.is_null()) kept[key] = value;
  return kept;
}

// The upsertBucket config without the keys a client adds for itself (`_wandb`).
nlohmann::json user_config_of(const nlohmann::json& variables) {
  const nlohmann::json sent = nlohmann::json::parse(variables["config"].get<std::string>());
  nlohmann::json config = nlohmann::json::object();
  for (const auto& [key, value] : sent.items())
    if (key.rfind('_', 0) != 0) config[key] = value;
  return config;
}

// `$variable: Type` of the operation's header.
std::map<std::string, std::string> declared_variable_types(const std::string& query) {
  static const std::regex declaration(R"(\$(\w+)\s*:\s*([\w\[\]!]+))");
  const std::string header = query.substr(0, query.find('{'));
  std::map<std::string, std::string> types;
  for (std::sregex_iterator it(header.begin(), header.end(), declaration), end; it != end; ++it)
    types[(*it)[1].str()] = (*it)[2].str();
  return types;
}

// `field: $variable` pairs of the operation's body: which argument each variable fills.
std::set<std::pair<std::string, std::string>> argument_bindings(const std::string& query) {
  static const std::regex binding(R"((\w+)\s*:\s*\$(\w+))");
  const std::string body = query.substr(query.find('{'));
  std::set<std::pair<std::string, std::string>> bindings;
  for (std::sregex_iterator it(body.begin(), body.end(), binding), end; it != end; ++it)
    bindings.emplace((*it)[1].str(), (*it)[2].str());
  return bindings;
}

// A history or summary line; the bare NaN, Infinity and -Infinity W&B writes become strings.
nlohmann::json parse_streamed_line(const std::string& line) {
  static const std::regex non_finite(R"(:(NaN|-?Infinity)([,}]))");
  return nlohmann::json::parse(std::regex_replace(line, non_finite, R"(:"$1"$2)"));
}

// The history rows of file_stream requests, checking that their offsets run on from 0.
std::vector<nlohmann::json> streamed_history(const std::vector<nlohmann::json>& bodies, const std::string& client) {
  std::vector<nlohmann::json> rows;
  for (const nlohmann::json& body : bodies) {
    if (!body.contains("files") || !body["files"].contains("wandb-history.jsonl")) continue;
    const nlohmann::json& history = body["files"]["wandb-history.jsonl"];
    EXPECT_EQ(history["offset"].get<int64_t>(), static_cast<int64_t>(rows.size())) << client << ": " << body.dump();
    for (const nlohmann::json& line : history["content"]) rows.push_back(parse_streamed_line(line));
  }
  return rows;
}

nlohmann::json last_streamed_summary(const std::vector<nlohmann::json>& bodies) {
  for (auto body = bodies.rbegin(); body != bodies.rend(); ++body)
    if (body->contains("files") && (*body)["files"].contains("wandb-summary.json")) {
      const nlohmann::json& summary = (*body)["files"]["wandb-summary.json"];
      EXPECT_EQ(summary["offset"], 0);
      return parse_streamed_line(summary["content"].at(0));
    }
  return nullptr;
}

std::set<std::string> streamed_file_names(const std::vector<nlohmann::json>& bodies) {
  std::set<std::string> names;
  for (const nlohmann::json& body : bodies)
    if (body.contains("files"))
      for (const auto& [name, file] : body["files"].items()) names.insert(name);
  return names;
}

// JSON's own types: W&B's Go client writes 2.0 as 2, nlohmann as 2.0, both numbers.
std::string json_kind(const nlohmann::json& value) { return value.is_number() ? "number" : value.type_name(); }

std::set<std::string> keys_of(const nlohmann::json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

bool user_key(const std::string& key) { return key.rfind('_', 0) != 0; }

// Each test compares the requests of one recording: both clients logged the same run to one
// server, the official client first; the first test to run records it for all of them.
class OfficialClientParityTest : public WandbTest {
 protected:
  struct Recording {
    nlohmann::json official, mmkd;  // the requests of each client, in order
    size_t official_before_mmkd = 0;  // how many there were when the official client had finished
  };

  void SetUp() override {
    WandbTest::SetUp();
    MMKD_REQUIRE_PYTHON();
    static const Recording recording = record_both_clients();
    official_ = recording.official;
    mmkd_ = recording.mmkd;
    official_before_mmkd_ = recording.official_before_mmkd;
    ASSERT_FALSE(official_.empty());
    ASSERT_FALSE(mmkd_.empty());
  }

  Recording record_both_clients() {
    mmkd::testing::write_file(run_dir_.file("config.yaml"), kParityConfigYaml);
    mmkd::testing::TempDir work;
    RecordingServerProcess server(work.path());
    environment_.set("WANDB_BASE_URL", server.url());
    environment_.set("WANDB_API_KEY", "0123456789abcdef0123456789abcdef01234567");  // the official client's key format
    {
      ScopedEnvironment official;
      set_official_client_environment(official, work.path());
      const std::string spec = (fs::path(work.path()) / "spec.json").string();
      mmkd::testing::write_file(spec, reference_spec().dump());
      mmkd::testing::run_python_tool("wandb_reference_run.py", "'" + spec + "'");
    }
    Recording recording;
    recording.official_before_mmkd = server.requests().size();
    auto logger = make_logger(kParityLoggerOptions);
    for (const auto& [step, metrics] : kParityLogs) logger->log(step, metrics);
    logger->finish(true);
    recording.official = recording.mmkd = nlohmann::json::array();
    for (const nlohmann::json& request : server.requests()) {
      const bool ours = request["user_agent"].get<std::string>().rfind("mmkd-wandb/", 0) == 0;
      (ours ? recording.mmkd : recording.official).push_back(request);
    }
    return recording;
  }

  nlohmann::json official_, mmkd_;
  size_t official_before_mmkd_ = 0;
};

TEST_F(OfficialClientParityTest, EveryRequestWasAnsweredAndCarriesTheSameAuthorization) {
  EXPECT_EQ(official_.size(), official_before_mmkd_) << "the official client sent requests after it finished";
  for (const nlohmann::json& request : official_) {
    EXPECT_TRUE(request["known"].get<bool>()) << "the recording server does not know " << request.dump();
    EXPECT_EQ(request["status"], 200) << request.dump();
  }
  const nlohmann::json authorization = official_.front()["authorization"];
  EXPECT_EQ(authorization.get<std::string>().rfind("Basic ", 0), 0u);
  for (const nlohmann::json& request : official_)
    if (request["method"] == "POST") EXPECT_EQ(request["authorization"], authorization) << request.dump();
  for (const nlohmann::json& request : mmkd_) EXPECT_EQ(request["authorization"], authorization) << request.dump();
}

TEST_F(OfficialClientParityTest, GraphqlOperationsAreTheOfficialClientsWithTheSameNamesAndVariables) {
  const std::vector<std::string> official_operations = recorded_operations(official_);
  const std::vector<std::string> mmkd_operations = recorded_operations(mmkd_);
  EXPECT_EQ(mmkd_operations, (std::vector<std::string>{"RunResumeStatus", "UpsertBucket"}));
  for (const std::string& operation : mmkd_operations) {
    ASSERT_NE(std::find(official_operations.begin(), official_operations.end(), operation), official_operations.end())
        << operation << " is not sent by the official client";
    const nlohmann::json mmkd_body = recorded_graphql(mmkd_, operation).front();
    const nlohmann::json official_body = recorded_graphql(official_, operation).front();
    for (const nlohmann::json* body : {&mmkd_body, &official_body}) {
      EXPECT_EQ(body->value("operationName", ""), operation);
      EXPECT_EQ(query_operation_name((*body)["query"]), operation);
    }
    const auto official_types = declared_variable_types(official_body["query"]);
    for (const auto& [variable, type] : declared_variable_types(mmkd_body["query"])) {
      ASSERT_TRUE(official_types.count(variable)) << operation << ": $" << variable;
      EXPECT_EQ(official_types.at(variable), type) << operation << ": $" << variable;
    }
    const auto official_bindings = argument_bindings(official_body["query"]);
    for (const auto& binding : argument_bindings(mmkd_body["query"]))
      EXPECT_TRUE(official_bindings.count(binding)) << operation << ": " << binding.first << ": $" << binding.second;
  }
  EXPECT_EQ(recorded_graphql(mmkd_, "RunResumeStatus").front()["variables"],
            without_null_values(recorded_graphql(official_, "RunResumeStatus").front()["variables"]));
}

TEST_F(OfficialClientParityTest, UpsertBucketCarriesTheSameRunSettingsAndConfig) {
  const std::vector<nlohmann::json> mmkd_upserts = recorded_graphql(mmkd_, "UpsertBucket");
  ASSERT_EQ(mmkd_upserts.size(), 1u);
  const nlohmann::json official_variables =
      without_null_values(recorded_graphql(official_, "UpsertBucket").front()["variables"]);
  const nlohmann::json& mmkd_variables = mmkd_upserts.front()["variables"];
  for (const char* key : {"name", "project", "entity", "groupName", "displayName", "notes", "jobType", "tags"})
    EXPECT_EQ(mmkd_variables.value(key, nlohmann::json()), official_variables.value(key, nlohmann::json())) << key;
  const nlohmann::json mmkd_config = user_config_of(mmkd_variables);
  EXPECT_EQ(mmkd_config, user_config_of(official_variables));
  EXPECT_EQ(keys_of(mmkd_config), (std::set<std::string>{"name", "trainer", "model", "log"}));
  for (const auto& [key, entry] : mmkd_config.items()) EXPECT_EQ(keys_of(entry), std::set<std::string>{"value"}) << key;
  EXPECT_EQ(keys_of(nlohmann::json::parse(mmkd_variables["config"].get<std::string>())), keys_of(mmkd_config));
}

TEST_F(OfficialClientParityTest, FileStreamSendsTheSameFilesRowsAndSummary) {
  const std::vector<nlohmann::json> official_streams = recorded_file_streams(official_);
  const std::vector<nlohmann::json> mmkd_streams = recorded_file_streams(mmkd_);
  const std::set<std::string> files = {"wandb-history.jsonl", "wandb-summary.json"};
  EXPECT_EQ(streamed_file_names(official_streams), files);
  EXPECT_EQ(streamed_file_names(mmkd_streams), files);
  const std::vector<nlohmann::json> official_rows = streamed_history(official_streams, "official");
  const std::vector<nlohmann::json> mmkd_rows = streamed_history(mmkd_streams, "mmkd");
  ASSERT_EQ(official_rows.size(), 3u);
  ASSERT_EQ(mmkd_rows.size(), 3u);
  for (size_t i = 0; i < mmkd_rows.size(); ++i) {
    const nlohmann::json &ours = mmkd_rows[i], &theirs = official_rows[i];
    ASSERT_EQ(keys_of(ours), keys_of(theirs)) << ours.dump() << " vs " << theirs.dump();
    for (const char* key : {"_step", "_runtime", "_timestamp"}) EXPECT_TRUE(ours.contains(key)) << key;
    EXPECT_TRUE(ours["_step"].is_number_integer() && theirs["_step"].is_number_integer());
    for (const auto& [key, value] : ours.items()) {
      EXPECT_EQ(json_kind(value), json_kind(theirs[key])) << "row " << i << ": " << key;
      if (user_key(key) || key == "_step") EXPECT_EQ(value, theirs[key]) << "row " << i << ": " << key;
    }
  }
  const nlohmann::json official_summary = last_streamed_summary(official_streams);
  const nlohmann::json mmkd_summary = last_streamed_summary(mmkd_streams);
  ASSERT_EQ(keys_of(mmkd_summary), keys_of(official_summary)) << mmkd_summary.dump() << " vs " << official_summary.dump();
  for (const auto& [key, value] : mmkd_summary.items()) {
    EXPECT_EQ(json_kind(value), json_kind(official_summary[key])) << key;
    if (user_key(key) || key == "_step") EXPECT_EQ(value, official_summary[key]) << key;
  }
  EXPECT_EQ(mmkd_summary["loss"], "NaN");
  EXPECT_EQ(mmkd_summary["eval.r1"], 0.25);
  for (const nlohmann::json* summary : {&mmkd_summary, &official_summary})
    EXPECT_TRUE((*summary)["_wandb"]["runtime"].is_number_integer()) << summary->dump();
}

TEST_F(OfficialClientParityTest, TheLastRequestMarksTheRunCompleteWithExitCodeZero) {
  for (const nlohmann::json* requests : {&official_, &mmkd_}) {
    const std::vector<nlohmann::json> streams = recorded_file_streams(*requests);
    ASSERT_FALSE(streams.empty());
    EXPECT_EQ(streams.back().value("complete", false), true) << streams.back().dump();
    EXPECT_EQ(streams.back().value("exitcode", -1), 0) << streams.back().dump();
    for (size_t i = 0; i + 1 < streams.size(); ++i) EXPECT_FALSE(streams[i].value("complete", false));
  }
}

// What docs/loggers.md lists under "differs from W&B's client, on purpose".
TEST_F(OfficialClientParityTest, TheDifferencesAreTheDocumentedOnes) {
  EXPECT_EQ(recorded_operations(official_), (std::vector<std::string>{"RunResumeStatus", "UpsertBucket", "CreateRunFiles"}));
  EXPECT_GT(recorded_count(official_, "PUT"), 0u);  // no files
  EXPECT_EQ(recorded_count(mmkd_, "PUT"), 0u);
  const std::vector<nlohmann::json> official_upserts = recorded_graphql(official_, "UpsertBucket");
  EXPECT_EQ(official_upserts.size(), 2u);  // one UpsertBucket
  const nlohmann::json official_variables = without_null_values(official_upserts.front()["variables"]);
  const nlohmann::json mmkd_variables = recorded_graphql(mmkd_, "UpsertBucket").front()["variables"];
  EXPECT_TRUE(nlohmann::json::parse(official_variables["config"].get<std::string>()).contains("_wandb"));
  std::set<std::string> official_only;  // no host or program
  const std::set<std::string> mmkd_keys = keys_of(mmkd_variables);
  for (const std::string& key : keys_of(official_variables))
    if (!mmkd_keys.count(key)) official_only.insert(key);
  EXPECT_EQ(official_only, (std::set<std::string>{"host", "program"})) << official_variables.dump();
  const nlohmann::json official_end = recorded_file_streams(official_).back();
  const nlohmann::json mmkd_end = recorded_file_streams(mmkd_).back();
  EXPECT_TRUE(official_end.contains("files"));  // the end is a request of its own
  EXPECT_EQ(mmkd_end, nlohmann::json({{"complete", true}, {"exitcode", 0}}));
  EXPECT_FALSE(official_end.value("uploaded", nlohmann::json::array()).empty());
}

}  // namespace
}  // namespace mmkd::wandb::testing

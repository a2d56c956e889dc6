#include "expect_error.hpp"
#include <mmkd_wandb/run_settings.hpp>
#include "wandb_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd::wandb::testing {
namespace {

using mmkd::testing::expect_error_naming;
using mmkd::testing::read_file;

nlohmann::json line_json(const std::string& line) { return nlohmann::json::parse(line); }

std::string file_stream_path(const std::string& run_id) { return "/files/test-entity/demo/" + run_id + "/file_stream"; }

// The history offsets of the file_stream requests the server handled, with their row counts.
std::vector<std::pair<int64_t, int64_t>> history_chunks(const std::vector<Request>& requests) {
  std::vector<std::pair<int64_t, int64_t>> chunks;
  for (const Request& request : requests)
    if (request.body.contains("files") && request.body["files"].contains("wandb-history.jsonl")) {
      const nlohmann::json& file = request.body["files"]["wandb-history.jsonl"];
      chunks.emplace_back(file["offset"].get<int64_t>(), static_cast<int64_t>(file["content"].size()));
    }
  return chunks;
}

TEST_F(WandbTest, CreatesTheRunWithConfigGroupTagsAndBasicAuth) {
  make_logger("group: ablations, tags: [kd, small], name: first-try")->finish(true);
  const std::vector<Request> requests = server_.requests();
  ASSERT_FALSE(requests.empty());
  const Request& upsert = requests.front();
  EXPECT_EQ(upsert.path, "/graphql");
  EXPECT_EQ(upsert.authorization, kBasicAuth);
  EXPECT_NE(upsert.body["query"].get<std::string>().find("upsertBucket("), std::string::npos);
  const nlohmann::json& variables = upsert.body["variables"];
  EXPECT_EQ(variables["project"], "demo");
  EXPECT_EQ(variables["name"], run_id_for_folder(run_dir_.path()));
  EXPECT_EQ(variables["groupName"], "ablations");
  EXPECT_EQ(variables["displayName"], "first-try");
  EXPECT_EQ(variables["tags"], nlohmann::json({"kd", "small"}));
  EXPECT_FALSE(variables.contains("entity"));
  const nlohmann::json expected_config = {
      {"name", {{"value", "quickstart"}}},
      {"trainer", {{"value", {{"batch_size", 8}, {"precision", "fp32"}}}}},
      {"log", {{"value", {{"loggers", {{"wandb", {{"tags", {"kd", "small"}}}}}}}}}}};
  EXPECT_EQ(nlohmann::json::parse(variables["config"].get<std::string>()), expected_config);
  EXPECT_EQ(server_.exitcode(), 0);
}

// The official client's environment variables fill the options left empty; options win.
TEST_F(WandbTest, EnvironmentVariablesFillTheOptionsLeftEmpty) {
  environment_.set("WANDB_PROJECT", "demo");
  environment_.set("WANDB_RUN_GROUP", "from-env");
  environment_.set("WANDB_TAGS", "a,b");
  environment_.set("WANDB_NAME", "env-name");
  environment_.set("WANDB_RUN_ID", "envrun1");
  make_logger("project: '', group: chosen")->finish(true);
  const nlohmann::json variables = server_.requests().front().body["variables"];
  EXPECT_EQ(variables["project"], "demo");
  EXPECT_EQ(variables["groupName"], "chosen");
  EXPECT_EQ(variables["tags"], nlohmann::json({"a", "b"}));
  EXPECT_EQ(variables["displayName"], "env-name");
  EXPECT_EQ(variables["name"], "envrun1");
  EXPECT_FALSE(variables.contains("notes"));
  environment_.unset("WANDB_PROJECT");
  EXPECT_THROW(make_logger("project: ''"), ConfigError);
}

TEST_F(WandbTest, NotesAndJobTypeAsOptionsOrVariablesAreKeptForTheSync) {
  environment_.set("WANDB_NOTES", "lr sweep, first try");
  environment_.set("WANDB_JOB_TYPE", "train");
  make_logger("job_type: pretrain")->finish(true);
  const nlohmann::json variables = server_.requests().front().body["variables"];
  EXPECT_EQ(variables["notes"], "lr sweep, first try");
  EXPECT_EQ(variables["jobType"], "pretrain");
  EXPECT_NE(server_.requests().front().body["query"].get<std::string>().find("notes: $notes, jobType: $jobType"),
            std::string::npos);
  const std::optional<RunSettings> kept = read_run_settings(run_dir_.path());
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->notes, "lr sweep, first try");
  EXPECT_EQ(kept->job_type, "pretrain");
}

// WANDB_RESUME=must needs the W&B run, never refuses it; either way the rows stay for wandb-sync.
TEST_F(WandbTest, ResumePolicyMustAndNeverAskTheServerFirst) {
  environment_.set("WANDB_RESUME", "must");
  auto missing = make_logger();
  missing->log(1, {{"loss", 1.0}});
  missing->finish(true);
  EXPECT_NE(server_.requests().front().body["query"].get<std::string>().find("query RunResumeStatus"), std::string::npos);
  EXPECT_EQ(server_.requests().size(), 1u);  // refused before upsertBucket
  EXPECT_NE(read_file(fs::path(wandb_folder(run_dir_.path())) / "history.jsonl").find("\"loss\""), std::string::npos);

  environment_.set("WANDB_RESUME", "allow");
  make_logger()->finish(true);
  environment_.set("WANDB_RESUME", "must");
  make_logger()->finish(true);
  EXPECT_EQ(server_.exitcode(), 0);
  environment_.set("WANDB_RESUME", "never");
  const size_t before = server_.requests().size();
  make_logger()->finish(true);
  EXPECT_EQ(server_.requests().size(), before + 1);  // only the lookup
  environment_.set("WANDB_RESUME", "sometimes");
  expect_error_naming([&] { make_logger(); }, {"resume", "`sometimes` is no W&B resume policy"});
}

// WANDB_DIR moves the W&B files out of the run folder, one folder per run folder.
TEST_F(WandbTest, WandbDirHoldsTheFilesOfEachRunFolder) {
  mmkd::testing::TempDir root;
  environment_.set("WANDB_DIR", root.path());
  auto logger = make_logger();
  logger->log(1, {{"loss", 0.5}});
  logger->finish(true);
  const fs::path folder = wandb_folder(run_dir_.path());
  EXPECT_EQ(folder.parent_path(), fs::path(root.path()) / "wandb");
  EXPECT_EQ(folder.filename().string(),
            fs::path(run_dir_.path()).filename().string() + "-" + run_id_for_folder(run_dir_.path()));
  EXPECT_TRUE(fs::exists(folder / "run.json"));
  EXPECT_FALSE(fs::exists(fs::path(run_dir_.path()) / "wandb"));
}

TEST_F(WandbTest, DefaultsGroupToTheExperimentAndNameToTheRunFolder) {
  make_logger("entity: lab")->finish(true);
  const nlohmann::json variables = server_.requests().front().body["variables"];
  EXPECT_EQ(variables["groupName"], "quickstart");
  EXPECT_EQ(variables["displayName"], "quickstart/" + fs::path(run_dir_.path()).filename().string());
  EXPECT_EQ(variables["entity"], "lab");
  EXPECT_EQ(server_.file_stream_requests().back().path,
            "/files/lab/demo/" + run_id_for_folder(run_dir_.path()) + "/file_stream");
}

TEST_F(WandbTest, RunIdIsAStableHashOfTheRunFolderUnlessGiven) {
  const std::string id = run_id_for_folder(run_dir_.path());
  EXPECT_EQ(id, run_id_for_folder(run_dir_.path() + "/"));
  EXPECT_EQ(id, run_id_for_folder(run_dir_.path() + "/./"));
  EXPECT_NE(id, run_id_for_folder(run_dir_.path() + "x"));
  EXPECT_EQ(id.size(), 12u);
  EXPECT_TRUE(valid_run_id(id));

  mmkd::testing::TempDir other;
  make_logger("run_id: my-run_1", other.path())->finish(true);
  EXPECT_EQ(server_.requests().front().body["variables"]["name"], "my-run_1");
  expect_error_naming([&] { make_logger("run_id: 'a/b'"); }, {"run_id", "a/b", "letters, digits"});
}

TEST_F(WandbTest, StreamsRowsWithContinuousOffsetsAndTheSummary) {
  auto logger = make_logger();
  logger->log(1, {{"loss", 2.0}});
  logger->log(2, {{"loss", 1.5}});
  ASSERT_TRUE(FakeWandbServer::wait_until([&] { return server_.history().size() == 1; }));
  logger->log(3, {{"loss", 1.0}, {"lr", 0.1}});
  ASSERT_TRUE(FakeWandbServer::wait_until([&] { return server_.history().size() == 2; }));
  logger->finish(true);

  const std::vector<Request> requests = server_.file_stream_requests();
  for (const Request& request : requests) {
    EXPECT_EQ(request.path, file_stream_path(run_id_for_folder(run_dir_.path())));
    EXPECT_EQ(request.authorization, kBasicAuth);
  }
  EXPECT_EQ(history_chunks(requests), (std::vector<std::pair<int64_t, int64_t>>{{0, 1}, {1, 1}, {2, 1}}));
  const std::map<int64_t, std::string> history = server_.history();
  ASSERT_EQ(history.size(), 3u);
  const double expected_loss[] = {2.0, 1.5, 1.0};
  for (int64_t i = 0; i < 3; ++i) {
    const nlohmann::json row = line_json(history.at(i));
    EXPECT_EQ(row["_step"], i + 1);
    EXPECT_EQ(row["loss"], expected_loss[i]);
    EXPECT_TRUE(row.contains("_runtime") && row.contains("_timestamp"));
  }
  const nlohmann::json summary = line_json(server_.summary());
  EXPECT_EQ(summary["loss"], 1.0);
  EXPECT_EQ(summary["lr"], 0.1);
  EXPECT_EQ(summary["_step"], 3);
  EXPECT_EQ(requests.back().body, nlohmann::json({{"complete", true}, {"exitcode", 0}}));
}

TEST_F(WandbTest, MergesTheMetricsOfOneStepAndWritesNonFiniteValuesAsWandbDoes) {
  auto logger = make_logger();
  logger->log(5, {{"loss", 0.5}});
  logger->log(5, {{"eval.r1", 0.25}});
  logger->log(6, {{"loss", std::numeric_limits<double>::quiet_NaN()}, {"grad_norm", std::numeric_limits<double>::infinity()}});
  logger->finish(false);
  const std::map<int64_t, std::string> history = server_.history();
  ASSERT_EQ(history.size(), 2u);
  const nlohmann::json first = line_json(history.at(0));
  EXPECT_EQ(first["_step"], 5);
  EXPECT_EQ(first["loss"], 0.5);
  EXPECT_EQ(first["eval.r1"], 0.25);
  EXPECT_NE(history.at(1).find("\"grad_norm\":Infinity"), std::string::npos) << history.at(1);
  EXPECT_NE(history.at(1).find("\"loss\":NaN"), std::string::npos) << history.at(1);
  EXPECT_EQ(server_.exitcode(), 1);
}

TEST_F(WandbTest, RetriesServerErrorsAndDroppedConnectionsWithoutLosingOrRepeatingRows) {
  server_.fail_next({Failure::None, Failure::Status500, Failure::DropBeforeHandling, Failure::Status500, Failure::DropAfterHandling,
                     Failure::DropBeforeHandling, Failure::DropAfterHandling, Failure::Status500,
                     Failure::DropAfterHandling, Failure::Status500});
  auto logger = make_logger();
  for (int64_t step = 1; step <= 30; ++step) {
    logger->log(step, {{"loss", 1.0 / static_cast<double>(step)}});
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  logger->finish(true);
  EXPECT_EQ(server_.pending_failures(), 0);

  const std::map<int64_t, std::string> history = server_.history();
  ASSERT_EQ(history.size(), 30u);
  for (int64_t i = 0; i < 30; ++i) {
    ASSERT_EQ(history.count(i), 1u) << "offset " << i;
    EXPECT_EQ(line_json(history.at(i))["_step"], i + 1);
    EXPECT_EQ(line_json(history.at(i))["loss"], 1.0 / static_cast<double>(i + 1));
  }
  int64_t acknowledged = 0, resent = 0;  // a request starts at most where the rows the server holds end
  for (const auto& [offset, rows] : history_chunks(server_.file_stream_requests())) {
    EXPECT_LE(offset, acknowledged);
    if (offset < acknowledged) ++resent;  // its answer was lost: sent again at the same offset
    acknowledged = std::max(acknowledged, offset + rows);
  }
  EXPECT_GE(resent, 1);
  EXPECT_EQ(server_.exitcode(), 0);
  EXPECT_EQ(nlohmann::json::parse(read_file(run_dir_.file("wandb/upload.json")))["acked_rows"], 30);
}

TEST_F(WandbTest, KeepsRowsOnDiskWhileTheServerIsDown) {
  server_.fail_all(true);
  auto logger = make_logger("finish_timeout_seconds: 0.3");
  for (int64_t step = 1; step <= 4; ++step) logger->log(step, {{"loss", static_cast<double>(step)}});
  logger->finish(true);
  EXPECT_TRUE(server_.history().empty());
  std::vector<std::string> lines;
  std::istringstream history(read_file(run_dir_.file("wandb/history.jsonl")));
  for (std::string line; std::getline(history, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(nlohmann::json::parse(lines[i])["_step"], i + 1);
  const nlohmann::json state = nlohmann::json::parse(read_file(run_dir_.file("wandb/upload.json")));
  EXPECT_EQ(state["acked_rows"], 0);
  EXPECT_EQ(state["exitcode"], 0);
  EXPECT_EQ(state["exit_sent"], false);
}

TEST_F(WandbTest, AResumedRunContinuesTheSameWandbRunAfterItsLastStep) {
  auto first = make_logger();
  for (int64_t step : {1, 2, 3}) first->log(step, {{"loss", static_cast<double>(step)}});
  first->finish(true);
  auto resumed = make_logger();
  for (int64_t step : {2, 3, 4, 5}) resumed->log(step, {{"loss", 10.0 * static_cast<double>(step)}});
  resumed->finish(true);

  std::vector<std::string> run_ids;
  for (const Request& request : server_.requests())
    if (request.path == "/graphql") run_ids.push_back(request.body["variables"]["name"]);
  EXPECT_EQ(run_ids, std::vector<std::string>(2, run_id_for_folder(run_dir_.path())));
  const std::map<int64_t, std::string> history = server_.history();
  ASSERT_EQ(history.size(), 5u);
  const double expected_loss[] = {1, 2, 3, 40, 50};
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(line_json(history.at(i))["_step"], i + 1);
    EXPECT_EQ(line_json(history.at(i))["loss"], expected_loss[i]);
  }
  int64_t sent = 0;  // the resumed run goes on at the offset where the first one stopped
  for (const auto& [offset, rows] : history_chunks(server_.file_stream_requests())) {
    EXPECT_EQ(offset, sent);
    sent = offset + rows;
  }
  EXPECT_GE(line_json(history.at(3))["_runtime"].get<double>(), line_json(history.at(2))["_runtime"].get<double>());
  EXPECT_EQ(line_json(server_.summary())["loss"], 50.0);
}

TEST_F(WandbTest, AResumedRunSendsAgainTheRowsTheServerLacks) {
  auto first = make_logger();
  for (int64_t step : {1, 2, 3}) first->log(step, {{"loss", static_cast<double>(step)}});
  first->finish(true);
  FakeWandbServer emptied;  // the W&B run was deleted meanwhile
  environment_.set("WANDB_BASE_URL", emptied.url());
  auto resumed = make_logger();
  resumed->log(4, {{"loss", 4.0}});
  resumed->finish(true);
  const std::map<int64_t, std::string> history = emptied.history();
  ASSERT_EQ(history.size(), 4u);
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(line_json(history.at(i))["_step"], i + 1);
  EXPECT_EQ(history_chunks(emptied.file_stream_requests()).front().first, 0);
}

TEST_F(WandbTest, TheApiKeyIsNeverWrittenToTheRunFolderNorPrinted) {
  ::testing::internal::CaptureStderr();
  server_.fail_next({Failure::Status500});
  auto logger = make_logger();
  logger->log(1, {{"loss", 1.0}});
  logger->finish(true);
  server_.fail_next({Failure::Status401});
  auto refused = make_logger("finish_timeout_seconds: 0.3");
  refused->log(2, {{"loss", 2.0}});
  refused->finish(true);
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(printed.find("refused (HTTP 401"), std::string::npos) << printed;
  EXPECT_NE(printed.find("the API key read from WANDB_API_KEY was not accepted"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("not uploaded in"), std::string::npos) << printed;
  EXPECT_EQ(printed.find(kApiKey), std::string::npos) << printed;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(run_dir_.path()))
    if (entry.is_regular_file()) {
      ++files;
      EXPECT_EQ(read_file(entry.path().string()).find(kApiKey), std::string::npos) << entry.path();
    }
  EXPECT_GE(files, 4);  // config.yaml, run.json, history.jsonl, upload.json
}

TEST_F(WandbTest, OneLoggerAtATimeWritesARunFolder) {
  auto logger = make_logger();
  EXPECT_THROW(
      try { make_logger(); } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find(run_dir_.file("wandb") + " is in use"), std::string::npos) << e.what();
        throw;
      },
      std::exception);
  logger->finish(true);
  make_logger()->finish(true);
}

TEST_F(WandbTest, AMissingKeySaysWhereToPutIt) {
  mmkd::testing::TempDir home;
  environment_.unset("WANDB_API_KEY");
  environment_.set("HOME", home.path());
  expect_error_naming([&] { make_logger(); }, {"WANDB_API_KEY", home.path() + "/.netrc", "machine 127.0.0.1", "WANDB_MODE=offline"});
}

TEST_F(WandbTest, ReadsTheKeyFromNetrcForTheServersHost) {
  environment_.unset("WANDB_API_KEY");
  environment_.set("NETRC", run_dir_.file("netrc"));
  mmkd::testing::write_file(run_dir_.file("netrc"), "machine api.wandb.ai login user password other-key\n"
                                                    "machine 127.0.0.1\n  login user\n  password netrc-key-42\n");
  make_logger()->finish(true);
  EXPECT_EQ(server_.requests().front().authorization, "Basic YXBpOm5ldHJjLWtleS00Mg==");  // api:netrc-key-42
}

TEST_F(WandbTest, LogNeverWaitsForTheNetwork) {
  server_.set_delay(0.3);
  auto logger = make_logger("finish_timeout_seconds: 0.5");
  const auto start = std::chrono::steady_clock::now();
  for (int64_t step = 1; step <= 200; ++step) logger->log(step, {{"loss", 1.0}, {"lr", 0.1}});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 0.1);
  logger->finish(true);
}

TEST_F(WandbTest, DisabledModeDoesNothingAndABadModeNamesTheVariable) {
  environment_.set("WANDB_MODE", "disabled");
  auto logger = make_logger();
  logger->log(1, {{"loss", 1.0}});
  logger->finish(true);
  EXPECT_TRUE(server_.requests().empty());
  EXPECT_FALSE(fs::exists(run_dir_.file("wandb")));
  environment_.set("WANDB_MODE", "sometimes");
  EXPECT_THROW(
      try { make_logger(); } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("WANDB_MODE is `sometimes`"), std::string::npos) << e.what();
        throw;
      },
      std::exception);
}

}  // namespace
}  // namespace mmkd::wandb::testing

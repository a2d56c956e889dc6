#include <mmkd_wandb/run_settings.hpp>
#include "wandb_fixture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd::wandb::testing {
namespace {

mmkd::testing::CommandResult sync_arguments(const std::string& arguments) {
  return mmkd::testing::run_command(std::string(MMKD_WANDB_SYNC) + " " + arguments + " --timeout 5");
}

mmkd::testing::CommandResult sync(const std::string& run_dir) { return sync_arguments("'" + run_dir + "'"); }

// The history rows the server received for one W&B run, by offset.
std::map<int64_t, nlohmann::json> rows_sent_to(const FakeWandbServer& server, const std::string& run_id) {
  std::map<int64_t, nlohmann::json> rows;
  for (const Request& request : server.file_stream_requests())
    if (request.path.find("/" + run_id + "/file_stream") != std::string::npos && request.body.contains("files") &&
        request.body["files"].contains("wandb-history.jsonl")) {
      const nlohmann::json& history = request.body["files"]["wandb-history.jsonl"];
      int64_t offset = history["offset"];
      for (const nlohmann::json& line : history["content"]) rows[offset++] = nlohmann::json::parse(line.get<std::string>());
    }
  return rows;
}

std::optional<int> exitcode_sent_to(const FakeWandbServer& server, const std::string& run_id) {
  std::optional<int> exitcode;
  for (const Request& request : server.file_stream_requests())
    if (request.path.find("/" + run_id + "/file_stream") != std::string::npos && request.body.contains("exitcode"))
      exitcode = request.body["exitcode"].get<int>();
  return exitcode;
}

int64_t history_lines_on_disk(const std::string& run_dir) {
  const std::string text = mmkd::testing::read_file((fs::path(wandb_folder(run_dir)) / "history.jsonl").string());
  return std::count(text.begin(), text.end(), '\n');
}

class WandbSyncTest : public WandbTest {
 protected:
  // An offline run of `steps` steps in `run_dir`, for the sync to upload.
  void log_offline_run(const std::string& run_dir, int64_t steps) {
    environment_.set("WANDB_MODE", "offline");
    auto logger = make_logger("", run_dir);
    for (int64_t step = 1; step <= steps; ++step) logger->log(step, {{"loss", static_cast<double>(step)}});
    logger->finish(true);
    environment_.unset("WANDB_MODE");
  }
};

TEST_F(WandbTest, OfflineModeWritesOnlyToDiskAndSyncUploadsItOnce) {
  environment_.set("WANDB_MODE", "offline");
  environment_.unset("WANDB_API_KEY");
  auto logger = make_logger("tags: [offline]");
  for (int64_t step = 1; step <= 3; ++step) logger->log(step, {{"loss", static_cast<double>(step)}});
  logger->finish(true);
  EXPECT_TRUE(server_.requests().empty());
  EXPECT_TRUE(std::filesystem::exists(run_dir_.file("wandb/history.jsonl")));

  environment_.set("WANDB_API_KEY", kApiKey);
  const mmkd::testing::CommandResult result = sync(run_dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("3 rows"), std::string::npos) << result.output;
  const Request upsert = server_.requests().front();
  EXPECT_EQ(upsert.authorization, kBasicAuth);
  EXPECT_EQ(upsert.body["variables"]["name"], run_id_for_folder(run_dir_.path()));
  EXPECT_EQ(upsert.body["variables"]["tags"], nlohmann::json({"offline"}));
  EXPECT_EQ(nlohmann::json::parse(upsert.body["variables"]["config"].get<std::string>())["trainer"]["value"]["batch_size"], 8);
  const std::map<int64_t, std::string> history = server_.history();
  ASSERT_EQ(history.size(), 3u);
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(nlohmann::json::parse(history.at(i))["loss"], static_cast<double>(i + 1));
  EXPECT_EQ(server_.exitcode(), 0);

  const size_t file_stream_requests = server_.file_stream_requests().size();
  ASSERT_EQ(sync(run_dir_.path()).exit_code, 0);
  EXPECT_EQ(server_.file_stream_requests().size(), file_stream_requests);  // nothing left to send
}

TEST_F(WandbTest, SyncSendsWhatARunCouldNotAndResumesAfterItsOffset) {
  auto logger = make_logger("finish_timeout_seconds: 0.3");
  logger->log(1, {{"loss", 1.0}});
  logger->log(2, {{"loss", 2.0}});
  ASSERT_TRUE(FakeWandbServer::wait_until([&] { return server_.history().size() == 1; }));
  server_.fail_all(true);
  logger->log(3, {{"loss", 3.0}});
  logger->finish(false);
  EXPECT_EQ(server_.history().size(), 1u);
  EXPECT_FALSE(server_.exitcode());

  server_.fail_all(false);
  const mmkd::testing::CommandResult result = sync(run_dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::vector<Request> requests = server_.file_stream_requests();
  const nlohmann::json& resent = requests[requests.size() - 2].body["files"]["wandb-history.jsonl"];
  EXPECT_EQ(resent["offset"], 1);
  EXPECT_EQ(resent["content"].size(), 2u);
  ASSERT_EQ(server_.history().size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(server_.history().at(2))["_step"], 3);
  EXPECT_EQ(server_.exitcode(), 1);
}

// A refused key is said as such, with where it was read, and sync does not ask for a rerun that
// would be refused again.
TEST_F(WandbTest, SyncSaysTheKeyWasRefusedAndWhereItWasRead) {
  environment_.set("WANDB_MODE", "offline");
  auto logger = make_logger();
  logger->log(1, {{"loss", 1.0}});
  logger->finish(true);
  environment_.unset("WANDB_MODE");
  server_.fail_next({Failure::Status401});
  const mmkd::testing::CommandResult result = sync(run_dir_.path());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("refused the upload (HTTP 401"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("the API key read from WANDB_API_KEY was not accepted"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("again"), std::string::npos) << result.output;
}

TEST_F(WandbTest, SyncOfAFolderWithoutWandbRowsSaysSo) {
  const mmkd::testing::CommandResult result = sync(run_dir_.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("has no wandb/run.json"), std::string::npos) << result.output;
}

TEST_F(WandbSyncTest, SeveralRunFoldersGetALineEachAndTheFailedOnesAreNamed) {
  mmkd::testing::TempDir second, plain;
  log_offline_run(run_dir_.path(), 2);
  log_offline_run(second.path(), 3);
  const mmkd::testing::CommandResult result =
      sync_arguments("'" + run_dir_.path() + "' '" + second.path() + "' '" + plain.path() + "'");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(run_dir_.path() + " uploaded to "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(second.path() + " uploaded to "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(plain.path() + ": has no wandb/run.json"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("2 of 3 runs uploaded; failed: " + plain.path() + " (has no wandb/run.json"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(rows_sent_to(server_, run_id_for_folder(run_dir_.path())).size(), 2u);
  EXPECT_EQ(rows_sent_to(server_, run_id_for_folder(second.path())).size(), 3u);
  EXPECT_EQ(exitcode_sent_to(server_, run_id_for_folder(second.path())), 0);
}

// `mmkd sweep` puts each run in <sweep folder>/<run>-<config hash>, beside results.md and the
// parallel runs' <run folder>.log; --all finds the runs that used the wandb logger.
TEST_F(WandbSyncTest, AllFindsTheRunFoldersOfASweep) {
  mmkd::testing::TempDir runs;
  const fs::path sweep = fs::path(runs.path()) / "sweeps" / "lr_ablation";
  const std::vector<std::string> logged = {(sweep / "high-3f2a9c01").string(), (sweep / "low-b71e04d2").string()};
  for (const std::string& run_dir : logged) {
    fs::create_directories(run_dir);
    log_offline_run(run_dir, 2);
  }
  fs::create_directories(sweep / "no_wandb-c0ffee00" / "checkpoints");
  mmkd::testing::write_file((sweep / "results.md").string(), "| Run |\n");
  mmkd::testing::write_file((sweep / "high-3f2a9c01.log").string(), "step 1\n");

  const mmkd::testing::CommandResult result = sync_arguments("--all '" + sweep.string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const std::string& run_dir : logged) {
    EXPECT_NE(result.output.find(run_dir + " uploaded to "), std::string::npos) << result.output;
    EXPECT_EQ(rows_sent_to(server_, run_id_for_folder(run_dir)).size(), 2u);
    EXPECT_EQ(exitcode_sent_to(server_, run_id_for_folder(run_dir)), 0);
  }
  EXPECT_NE(result.output.find("all 2 runs uploaded"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("no_wandb"), std::string::npos) << result.output;

  const size_t requests = server_.file_stream_requests().size();
  const mmkd::testing::CommandResult again = sync_arguments("--all '" + runs.path() + "'");  // searched deeper
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("all 2 runs uploaded"), std::string::npos) << again.output;
  EXPECT_EQ(server_.file_stream_requests().size(), requests);  // nothing left to send
}

TEST_F(WandbSyncTest, AllFindsRunsWhoseFilesAreInWandbDir) {
  mmkd::testing::TempDir sweep, wandb_dir;
  const std::string run_dir = (fs::path(sweep.path()) / "only-0a1b2c3d").string();
  fs::create_directories(run_dir);
  environment_.set("WANDB_DIR", wandb_dir.path());
  log_offline_run(run_dir, 2);
  ASSERT_FALSE(fs::exists(fs::path(run_dir) / "wandb"));

  const mmkd::testing::CommandResult result = sync_arguments("--all '" + sweep.path() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(run_dir + " uploaded to "), std::string::npos) << result.output;
  EXPECT_EQ(rows_sent_to(server_, run_id_for_folder(run_dir)).size(), 2u);

  environment_.unset("WANDB_DIR");
  const mmkd::testing::CommandResult elsewhere = sync_arguments("--all '" + sweep.path() + "'");
  EXPECT_EQ(elsewhere.exit_code, 2) << elsewhere.output;
  EXPECT_NE(elsewhere.output.find(sweep.path() + ": no run folder with W&B files"), std::string::npos)
      << elsewhere.output;
}

// A run still being logged (here offline, so only the sync uploads) holds its folder: the sync
// sends the complete rows on disk, leaves upload.json to the logger and sends no exit code;
// the logger goes on, and a sync after its end sends the rest and the exit code.
TEST_F(WandbSyncTest, ARunStillBeingLoggedGetsItsRowsSoFarAndKeepsItsFiles) {
  environment_.set("WANDB_MODE", "offline");
  auto logger = make_logger();
  for (int64_t step = 1; step <= 4; ++step) logger->log(step, {{"loss", static_cast<double>(step)}});
  ASSERT_TRUE(FakeWandbServer::wait_until([&] { return history_lines_on_disk(run_dir_.path()) == 3; }));  // step 4 is open
  environment_.unset("WANDB_MODE");
  const fs::path folder = wandb_folder(run_dir_.path());
  const std::string upload_state = mmkd::testing::read_file((folder / "upload.json").string());
  const std::string history = mmkd::testing::read_file((folder / "history.jsonl").string());

  const mmkd::testing::CommandResult live = sync(run_dir_.path());
  ASSERT_EQ(live.exit_code, 0) << live.output;
  EXPECT_NE(live.output.find("(3 rows written so far: the run is still being logged by process " +
                             std::to_string(getpid()) + " on "),
            std::string::npos)
      << live.output;
  EXPECT_NE(live.output.find("no exit code was sent; sync again once it ended"), std::string::npos) << live.output;
  EXPECT_EQ(server_.history().size(), 3u);
  EXPECT_FALSE(server_.exitcode().has_value());
  EXPECT_EQ(mmkd::testing::read_file((folder / "upload.json").string()), upload_state);
  EXPECT_EQ(mmkd::testing::read_file((folder / "history.jsonl").string()), history);

  logger->log(5, {{"loss", 5.0}});
  logger->finish(true);
  EXPECT_EQ(history_lines_on_disk(run_dir_.path()), 5);
  const mmkd::testing::CommandResult ended = sync(run_dir_.path());
  ASSERT_EQ(ended.exit_code, 0) << ended.output;
  EXPECT_NE(ended.output.find("(5 rows)"), std::string::npos) << ended.output;
  const std::map<int64_t, std::string> sent = server_.history();
  ASSERT_EQ(sent.size(), 5u);
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(nlohmann::json::parse(sent.at(i))["_step"], i + 1);
  EXPECT_EQ(server_.exitcode(), 0);
}

// An online logger that is up to date: the sync of its live run finds the rows on the server
// (historyLineCount) and sends none again, nor an exit code.
TEST_F(WandbSyncTest, ALiveOnlineRunTheServerHoldsGetsNothingSentAgain) {
  auto logger = make_logger();
  for (int64_t step = 1; step <= 3; ++step) logger->log(step, {{"loss", static_cast<double>(step)}});
  ASSERT_TRUE(FakeWandbServer::wait_until([&] { return server_.history().size() == 2; }));
  const size_t file_stream_requests = server_.file_stream_requests().size();

  const mmkd::testing::CommandResult live = sync(run_dir_.path());
  ASSERT_EQ(live.exit_code, 0) << live.output;
  EXPECT_NE(live.output.find("(2 rows written so far"), std::string::npos) << live.output;
  EXPECT_EQ(server_.file_stream_requests().size(), file_stream_requests);
  logger->finish(true);
  EXPECT_EQ(server_.history().size(), 3u);
  EXPECT_EQ(server_.exitcode(), 0);
}

}  // namespace
}  // namespace mmkd::wandb::testing

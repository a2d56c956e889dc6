#include "run_settings.hpp"
#include "wandb_fixture.hpp"

#include <gtest/gtest.h>

namespace mmkd::wandb::testing {
namespace {

mmkd::testing::CommandResult sync(const std::string& run_dir) {
  return mmkd::testing::run_command(std::string(MMKD_WANDB_SYNC) + " '" + run_dir + "' --timeout 5");
}

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

}  // namespace
}  // namespace mmkd::wandb::testing

#include "expect_error.hpp"
#include "mmkd_testing.hpp"
#include "python_tools.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd::tensorboard {
namespace {

using mmkd::testing::read_file;
using mmkd::testing::TempDir;

const std::string kConfigYaml = "name: quickstart\ntrainer:\n  batch_size: 8\n  precision: fp32\n";

std::shared_ptr<Logger> make_tensorboard_logger(const std::string& run_dir, const std::string& options = "{}",
                                                int rank = 0) {
  Context context;
  context.run_dir = run_dir;
  context.rank = rank;
  context.experiment_name = "quickstart";
  return mmkd::testing::make<Kind::Logger>("tensorboard", options, context);
}

// The paths of the event files in `folder`, in name order.
std::vector<std::string> event_files(const std::string& folder) {
  std::vector<std::string> files;
  if (fs::is_directory(folder))
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// What TensorBoard reads from `logdir` (tools/read_tensorboard_events.py).
nlohmann::json read_with_tensorboard(const std::string& logdir) {
  TempDir out;
  mmkd::testing::run_python_tool("read_tensorboard_events.py", "'" + logdir + "' --out '" + out.file("events.json") + "'");
  return nlohmann::json::parse(read_file(out.file("events.json")));
}

// The (step, value) pairs of a scalar tag.
std::vector<std::pair<int64_t, double>> scalar_points(const nlohmann::json& tag) {
  std::vector<std::pair<int64_t, double>> points;
  for (const auto& event : tag["events"]) points.emplace_back(event["step"].get<int64_t>(), event["value"].get<double>());
  return points;
}

double as_float(double value) { return static_cast<float>(value); }

class TensorboardLoggerTest : public ::testing::Test {
 protected:
  void SetUp() override { mmkd::testing::write_file(run_dir_.file("config.yaml"), kConfigYaml); }

  std::string event_folder() const { return run_dir_.file("tensorboard"); }

  TempDir run_dir_;
};

TEST_F(TensorboardLoggerTest, WritesOneFileFlushedAtEveryLog) {
  auto logger = make_tensorboard_logger(run_dir_.path());
  const std::vector<std::string> files = event_files(event_folder());
  ASSERT_EQ(files.size(), 1u);
  const size_t header_size = read_file(files[0]).size();
  EXPECT_GT(header_size, 0u);
  logger->log(1, {{"train/loss", 2.5}});
  const size_t after_one = read_file(files[0]).size();
  EXPECT_GT(after_one, header_size);
  logger->log(2, {{"train/loss", 2.0}});
  EXPECT_GT(read_file(files[0]).size(), after_one);
  logger->finish(true);
  logger->log(3, {{"train/loss", 1.5}});  // after finish: nothing
  EXPECT_EQ(event_files(event_folder()), files);
}

TEST_F(TensorboardLoggerTest, OnlyRankZeroWrites) {
  auto logger = make_tensorboard_logger(run_dir_.path(), "{}", /*rank=*/1);
  logger->log(1, {{"train/loss", 2.5}});
  logger->finish(true);
  EXPECT_FALSE(fs::exists(event_folder()));
}

TEST_F(TensorboardLoggerTest, DirOptionChoosesTheFolder) {
  TempDir elsewhere;
  const std::string dir = elsewhere.file("tb/run1");
  make_tensorboard_logger(run_dir_.path(), "{dir: '" + dir + "'}")->finish(true);
  EXPECT_EQ(event_files(dir).size(), 1u);
  EXPECT_FALSE(fs::exists(event_folder()));
}

TEST_F(TensorboardLoggerTest, ErrorsNameTheFolder) {
  mmkd::testing::write_file(run_dir_.file("plain_file"), "");
  const std::string dir = run_dir_.file("plain_file/tb");
  mmkd::testing::expect_error_naming([&] { make_tensorboard_logger(run_dir_.path(), "{dir: '" + dir + "'}"); }, {dir});
  mmkd::testing::expect_error_naming([&] { make_tensorboard_logger(""); }, {"no run folder", "`dir`"});
}

TEST_F(TensorboardLoggerTest, TensorBoardReadsTheScalarsAndTheConfig) {
  MMKD_REQUIRE_PYTHON();
  auto logger = make_tensorboard_logger(run_dir_.path());
  logger->log(1, {{"train/loss", 2.5}, {"train/lr", 1e-4}});
  logger->log(2, {{"train/loss", 1.75}, {"train/lr", 2e-4}, {"eval.retrieval/R@1", 0.3125}});
  logger->log(3, {{"train/loss", 0.1}, {"train/lr", 3e-4}});
  logger->finish(true);

  const nlohmann::json read = read_with_tensorboard(event_folder());
  ASSERT_EQ(read["files"].size(), 1u) << read.dump();
  EXPECT_EQ(read["files"].begin().value(), 5) << "file version, config, 3 steps: " << read.dump();
  const nlohmann::json& tags = read["tags"];
  ASSERT_EQ(tags.size(), 4u) << read.dump();
  for (const char* tag : {"train/loss", "train/lr", "eval.retrieval/R@1"}) {
    EXPECT_EQ(tags[tag]["plugin"], "scalars") << tag;
    EXPECT_EQ(tags[tag]["data_class"], "DATA_CLASS_SCALAR") << tag;
  }
  using Points = std::vector<std::pair<int64_t, double>>;
  EXPECT_EQ(scalar_points(tags["train/loss"]), (Points{{1, 2.5}, {2, 1.75}, {3, as_float(0.1)}}));
  EXPECT_EQ(scalar_points(tags["train/lr"]), (Points{{1, as_float(1e-4)}, {2, as_float(2e-4)}, {3, as_float(3e-4)}}));
  EXPECT_EQ(scalar_points(tags["eval.retrieval/R@1"]), (Points{{2, 0.3125}}));

  const nlohmann::json& config = tags["config"];
  EXPECT_EQ(config["plugin"], "text");
  EXPECT_EQ(config["data_class"], "DATA_CLASS_TENSOR");
  ASSERT_EQ(config["events"].size(), 1u);
  EXPECT_EQ(config["events"][0]["step"], 0);
  EXPECT_EQ(config["events"][0]["text"], "```yaml\n" + kConfigYaml + "```\n");
  const std::string html = config["events"][0]["html"];
  EXPECT_NE(html.find("<pre><code"), std::string::npos) << html;
  EXPECT_NE(html.find("batch_size: 8"), std::string::npos) << html;
}

// A resumed run (same run folder) adds a second file; TensorBoard reads both as one run.
TEST_F(TensorboardLoggerTest, ResumeAddsASecondFileAndTensorBoardReadsBoth) {
  MMKD_REQUIRE_PYTHON();
  auto first = make_tensorboard_logger(run_dir_.path());
  first->log(1, {{"train/loss", 2.5}});
  first->log(2, {{"train/loss", 2.0}});
  first->finish(false);
  auto resumed = make_tensorboard_logger(run_dir_.path());
  resumed->log(3, {{"train/loss", 1.5}});
  resumed->log(4, {{"train/loss", 1.0}});
  resumed->finish(true);

  ASSERT_EQ(event_files(event_folder()).size(), 2u);
  const nlohmann::json read = read_with_tensorboard(event_folder());
  ASSERT_EQ(read["files"].size(), 2u) << read.dump();
  for (const auto& [name, records] : read["files"].items()) EXPECT_EQ(records, 4) << name;
  using Points = std::vector<std::pair<int64_t, double>>;
  EXPECT_EQ(scalar_points(read["tags"]["train/loss"]), (Points{{1, 2.5}, {2, 2.0}, {3, 1.5}, {4, 1.0}}));
  EXPECT_EQ(read["tags"]["config"]["events"].size(), 2u);
}

}  // namespace
}  // namespace mmkd::tensorboard

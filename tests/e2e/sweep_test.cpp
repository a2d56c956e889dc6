#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// Two learning rates of the quickstart, both at once; the table has a row each; running the
// sweep again skips the finished runs and resumes one marked interrupted.
TEST(Sweep, RunsComparesSkipsAndResumes) {
  TempDir dir;
  write_file(dir.file("sweep.yaml"), "name: lr\nexperiment: " + source_dir() + "/experiments/quickstart.yaml\n" + R"(
overrides: {data.train.size: 256, data.eval.size: 64, trainer.epochs: 1}
grid: {optimizer.lr: [1.0e-3, 3.0e-3]}
metrics: [eval.retrieval.i2t_r1, loss]
parallel: 2
)");
  auto first = mmkd_in(dir.path(), "sweep sweep.yaml");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string csv = read_file(dir.file("runs/sweeps/lr/results.csv"));
  EXPECT_EQ(csv.find("run,eval.retrieval.i2t_r1,loss\n\"optimizer.lr=1.0e-3\",0."), 0u) << csv;
  EXPECT_NE(csv.find("\n\"optimizer.lr=3.0e-3\",0."), std::string::npos) << csv;
  EXPECT_NE(read_file(dir.file("runs/sweeps/lr/results.md")).find("| Run | eval.retrieval.i2t_r1 | loss |"), std::string::npos);

  std::vector<std::string> runs;
  for (const auto& entry : fs::directory_iterator(dir.file("runs/sweeps/lr")))
    if (entry.is_directory()) runs.push_back(entry.path().string());
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) EXPECT_TRUE(fs::exists(run + ".log")) << run;  // parallel runs log to files
  write_file(runs[0] + "/status.json", "{\"state\": \"interrupted\", \"step\": 4}");
  auto again = mmkd_in(dir.path(), "sweep sweep.yaml");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("finished already (" + runs[1] + ")"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("resuming"), std::string::npos) << again.output;
  EXPECT_EQ(read_file(runs[0] + "/status.json").find("finished") != std::string::npos, true);
}

}  // namespace

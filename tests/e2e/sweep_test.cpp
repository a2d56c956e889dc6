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

// Hydra's multirun: overrides with comma-separated values make the grid, the others go to every
// run; the sweep <name>_multirun has the folders and table of `mmkd sweep`.
TEST(Sweep, MultirunRunsTheGridOfCommaSeparatedOverrides) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml("runs"));
  auto r = mmkd_in(dir.path(), "run exp.yaml --multirun trainer.epochs=1 optimizer.lr=1e-3,2e-3 '+trainer.accumulate=1' "
                               "'~eval' 'optimizer.betas=[0.9, 0.95]'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = read_file(dir.file("runs/sweeps/tiny_multirun/results.csv"));
  EXPECT_NE(csv.find("\n\"optimizer.lr=1e-3\"\n"), std::string::npos) << csv;  // no eval: no metric columns
  EXPECT_NE(csv.find("\n\"optimizer.lr=2e-3\"\n"), std::string::npos) << csv;
  int runs = 0;
  for (const auto& entry : fs::directory_iterator(dir.file("runs/sweeps/tiny_multirun")))
    if (entry.is_directory()) {
      ++runs;
      const std::string config = read_file(entry.path().string() + "/config.yaml");
      EXPECT_NE(config.find("accumulate: 1"), std::string::npos) << config;
      EXPECT_EQ(config.find("retrieval"), std::string::npos) << config;
      EXPECT_NE(config.find("0.95"), std::string::npos) << config;
    }
  EXPECT_EQ(runs, 2);
  auto both = mmkd_in(dir.path(), "run exp.yaml --multirun --resume optimizer.lr=1e-3,2e-3");
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("--resume"), std::string::npos) << both.output;
}

}  // namespace

#include "cli/sweep_command.hpp"
#include "cli/sweep_file.hpp"
#include "mmkd_testing.hpp"

#include <mmkd/error.hpp>

#include <gtest/gtest.h>

using namespace mmkd;
using mmkd::testing::TempDir;
using mmkd::testing::write_file;

namespace {

std::string sweep_error(const TempDir& dir, const std::string& yaml) {
  write_file(dir.file("sweep.yaml"), yaml);
  try {
    read_sweep_file(dir.file("sweep.yaml"), dir.file("runs"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SweepFile, GridIsTheProductOfItsValuesInKeyOrder) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), "name: x\n");
  write_file(dir.file("sweep.yaml"), R"(name: ablation
experiment: exp.yaml
overrides: {trainer.epochs: 2}
grid:
  optimizer.lr: [1.0e-3, 3.0e-4]
  model.image.layers: [[0, 1], [2, 3]]
metrics: [eval.r.i2t_r1]
parallel: 2
)");
  const SweepFile sweep = read_sweep_file(dir.file("sweep.yaml"), dir.file("runs"));
  EXPECT_EQ(sweep.name, "ablation");
  EXPECT_EQ(sweep.experiment, dir.file("exp.yaml"));
  EXPECT_EQ(sweep.folder, dir.file("runs/ablation"));
  EXPECT_EQ(sweep.overrides, (std::vector<std::string>{"trainer.epochs=2"}));
  ASSERT_EQ(sweep.runs.size(), 4u);
  EXPECT_EQ(sweep.runs[1].name, "optimizer.lr=1.0e-3,model.image.layers=a list");
  EXPECT_EQ(sweep.runs[2].overrides.at(0), "optimizer.lr=3.0e-4");
  EXPECT_EQ(sweep.runs[3].overrides.at(1).rfind("model.image.layers=", 0), 0u);
  EXPECT_EQ(sweep.metrics, (std::vector<std::string>{"eval.r.i2t_r1"}));
  EXPECT_EQ(sweep.parallel, 2);
  // The same resolved config gives the same folder; another value another one.
  const std::string a = sweep_run_folder(sweep, sweep.runs[0], sweep.runs[0].overrides);
  EXPECT_EQ(a, sweep_run_folder(sweep, sweep.runs[0], sweep.runs[0].overrides));
  EXPECT_NE(a.substr(a.size() - 8), sweep_run_folder(sweep, sweep.runs[0], {"seed=5"}).substr(a.size() - 8));
}

TEST(SweepFile, RunsAreNamedOverrideSets) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), "name: x\n");
  write_file(dir.file("sweep.yaml"), R"(name: tt
experiment: exp.yaml
runs:
  - {name: before, overrides: {model.tt.position: before, model.tt.layer_scale: "0"}}
  - {name: after}
)");
  const SweepFile sweep = read_sweep_file(dir.file("sweep.yaml"), dir.file("runs"));
  ASSERT_EQ(sweep.runs.size(), 2u);
  EXPECT_EQ(sweep.runs[0].overrides, (std::vector<std::string>{"model.tt.position=before", "model.tt.layer_scale='0'"}));
  EXPECT_TRUE(sweep.runs[1].overrides.empty());
  EXPECT_EQ(sweep.parallel, 1);
}

TEST(SweepFile, ProblemsAreListedWithLines) {
  TempDir dir;
  const std::string both = sweep_error(dir, "name: a\nexperiment: missing.yaml\ngrid: {x: [1]}\nruns: [{name: b}]\nparallel: 0\nextra: 1\n");
  EXPECT_NE(both.find("sweep.yaml:2:13: experiment: no file " + dir.file("missing.yaml")), std::string::npos) << both;
  EXPECT_NE(both.find("grid: give either `grid`"), std::string::npos) << both;
  EXPECT_NE(both.find("sweep.yaml:5:11: parallel: expected a positive number"), std::string::npos) << both;
  EXPECT_NE(both.find("sweep.yaml:6:8: extra: unknown key"), std::string::npos) << both;
  const std::string twice = sweep_error(dir, "name: a\nexperiment: sweep.yaml\nruns: [{name: b}, {name: b}]\n");
  EXPECT_NE(twice.find("runs.1.name: `b` names two runs"), std::string::npos) << twice;
}

}  // namespace

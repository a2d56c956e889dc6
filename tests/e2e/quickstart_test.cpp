#include "tiny_experiment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// The quickstart experiment itself on a smaller budget: its retrieval must end far above
// chance (1/128 for 128 validation pairs), in both directions.
TEST(Quickstart, LearnsToRetrieveFarAboveChance) {
  TempDir dir;
  const std::string experiment = source_dir() + "/experiments/quickstart.yaml";
  auto r = mmkd_in(dir.path(), "run " + experiment +
                                   " --run-dir run data.eval.size=128 trainer.epochs=4 "
                                   "eval.every_epochs=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto validation = last_record_with(dir.file("run"), "eval.retrieval.i2t_r1");
  ASSERT_FALSE(validation.is_null()) << read_file(dir.file("run/metrics.jsonl"));
  const double chance = 1.0 / 128.0;
  EXPECT_GT(validation["eval.retrieval.i2t_r1"].get<double>(), 10 * chance) << validation.dump();
  EXPECT_GT(validation["eval.retrieval.t2i_r1"].get<double>(), 10 * chance) << validation.dump();
  EXPECT_GE(validation["eval.retrieval.i2t_r10"].get<double>(), validation["eval.retrieval.i2t_r1"].get<double>());
  EXPECT_TRUE(fs::exists(dir.file("run/final.safetensors")));
  EXPECT_TRUE(fs::exists(dir.file("run/config.yaml")));
  EXPECT_NE(r.output.find("eval.retrieval.i2t_r1="), std::string::npos) << r.output;
}

}  // namespace

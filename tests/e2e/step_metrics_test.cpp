// What every log line of a run reports about speed and memory.
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

using namespace mmkd::testing;

namespace {

TEST(StepMetrics, EveryLogLineHasSpeedMemoryAndDataWaitThePhasesOnRequest) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml(dir.file("runs")));
  auto plain = mmkd_in(dir.path(), "run exp.yaml --run-dir plain trainer.max_steps=2 trainer.log_every=1");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  const auto record = last_record_with(dir.file("plain"), "loss");
  for (const char* key : {"samples_per_second", "tflops_per_second", "memory.peak_mib", "time.data"})
    EXPECT_TRUE(record.contains(key)) << key << " " << record.dump();
  EXPECT_GT(record["memory.peak_mib"].get<double>(), 0) << record.dump();
  for (const char* key : {"time.teacher", "time.student", "time.backward", "time.optimizer", "mfu"})
    EXPECT_FALSE(record.contains(key)) << key << " " << record.dump();

  auto timed = mmkd_in(dir.path(), "run exp.yaml --run-dir timed trainer.max_steps=2 trainer.log_every=1 "
                                   "trainer.time_phases=true trainer.peak_tflops=2");
  ASSERT_EQ(timed.exit_code, 0) << timed.output;
  const auto phases = last_record_with(dir.file("timed"), "loss");
  for (const char* key : {"time.data", "time.teacher", "time.student", "time.backward", "time.optimizer"})
    EXPECT_TRUE(phases.contains(key)) << key << " " << phases.dump();
  EXPECT_DOUBLE_EQ(phases["mfu"].get<double>(), phases["tflops_per_second"].get<double>() / 2) << phases.dump();
}

// schedule.decay: linear over schedule.steps longer than the run: the 4th step (index 3) of a
// 10-step linear decay without warmup trains at 1e-3 x (1 - 3 / 10).
TEST(StepMetrics, LinearDecayOverMoreStepsThanTheRunStopsAboveMinimum) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml(dir.file("runs")));
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir linear trainer.max_steps=4 trainer.log_every=1 "
                               "schedule.warmup_steps=0 schedule.decay=linear schedule.steps=10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto record = last_record_with(dir.file("linear"), "loss");
  EXPECT_EQ(record["step"].get<int64_t>(), 4) << record.dump();
  EXPECT_NEAR(record["lr"].get<double>(), 7e-4, 1e-12) << record.dump();
}

}  // namespace

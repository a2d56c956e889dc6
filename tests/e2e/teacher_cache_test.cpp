#include "tiny_experiment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace mmkd::testing;

namespace {

const char* kDistillation = R"(name: cached
seed: 3
data:
  train: {type: synthetic_shapes, size: 64, image_size: 16, seed: 1, brightness_jitter: 0.5}
teachers:
  teacher: {type: vit_teacher, inputs: {image: batch.image}, image_size: 16, patch_size: 4, dim: 16, depth: 1, heads: 2}
model:
  image: {type: vit, inputs: {image: batch.image}, image_size: 16, patch_size: 4, dim: 16, depth: 1, heads: 2}
losses:
  distill: {type: mse, inputs: {teacher: teacher.cls, image: image.cls}}
optimizer: {lr: 1.0e-3}
trainer: {epochs: 4, batch_size: 16, log_every: 1, threads: 1}
)";

std::vector<double> losses(const std::string& metrics_path) {
  std::vector<double> values;
  std::stringstream lines(read_file(metrics_path));
  std::string line;
  while (std::getline(lines, line)) values.push_back(nlohmann::json::parse(line)["loss"].get<double>());
  return values;
}

// A run reading the cached teacher (2 views, 4 epochs) has the loss curve of the run that
// computes the teacher with the same 2 views repeating, and never creates the teacher.
TEST(TeacherCache, CachedRunMatchesTheUncachedRunWithTheSameViews) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), kDistillation);
  auto computed = mmkd_in(dir.path(), "run exp.yaml --run-dir computed trainer.augmentation_views=2");
  ASSERT_EQ(computed.exit_code, 0) << computed.output;
  auto cache = mmkd_in(dir.path(), "cache-teacher exp.yaml --views 2 --out cache.bin");
  ASSERT_EQ(cache.exit_code, 0) << cache.output;
  EXPECT_NE(cache.output.find("teacher.cls of 64 samples x 2 views"), std::string::npos) << cache.output;
  auto cached = mmkd_in(dir.path(), "run exp.yaml --run-dir cached teachers.teacher.cached=cache.bin");
  ASSERT_EQ(cached.exit_code, 0) << cached.output;
  EXPECT_EQ(cached.output.find("teachers.teacher (vit_teacher)"), std::string::npos) << cached.output;
  EXPECT_NE(computed.output.find("teachers.teacher (vit_teacher)"), std::string::npos) << computed.output;

  const auto expected = losses(dir.file("computed/metrics.jsonl")), actual = losses(dir.file("cached/metrics.jsonl"));
  ASSERT_EQ(actual.size(), 16u);
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-6 * expected[i]) << "step " << i + 1;

  // Views repeat: without them (new augmentations each epoch) the curves part after epoch 2.
  auto fresh = mmkd_in(dir.path(), "run exp.yaml --run-dir fresh");
  ASSERT_EQ(fresh.exit_code, 0) << fresh.output;
  EXPECT_NE(losses(dir.file("fresh/metrics.jsonl"))[8], expected[8]);
}

TEST(TeacherCache, MismatchesAreNamedBeforeTraining) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), kDistillation);
  ASSERT_EQ(mmkd_in(dir.path(), "cache-teacher exp.yaml --views 2 --out cache.bin").exit_code, 0);
  auto seed = mmkd_in(dir.path(), "run exp.yaml --run-dir a seed=4 teachers.teacher.cached=cache.bin");
  EXPECT_EQ(seed.exit_code, 2);
  EXPECT_NE(seed.output.find("teachers.teacher.cached: " + dir.file("cache.bin") + ": was written with seed 3"),
            std::string::npos)
      << seed.output;
  auto size = mmkd_in(dir.path(), "run exp.yaml --run-dir b data.train.size=32 teachers.teacher.cached=cache.bin");
  EXPECT_NE(size.output.find("holds 64 samples, the training set has 32"), std::string::npos) << size.output;
  auto views = mmkd_in(dir.path(), "run exp.yaml --run-dir c trainer.augmentation_views=3 teachers.teacher.cached=cache.bin");
  EXPECT_NE(views.output.find("holds 2 views, trainer.augmentation_views is 3"), std::string::npos) << views.output;
  auto missing = mmkd_in(dir.path(), "run exp.yaml --run-dir d teachers.teacher.cached=none.bin");
  EXPECT_NE(missing.output.find("teachers.teacher.cached: teacher cache `" + dir.file("none.bin") + "` not found"),
            std::string::npos)
      << missing.output;
  write_file(dir.file("cut.bin"), read_file(dir.file("cache.bin")).substr(0, 200));
  auto cut = mmkd_in(dir.path(), "run exp.yaml --run-dir e teachers.teacher.cached=cut.bin");
  EXPECT_NE(cut.output.find("reaches past the end of the file (truncated?)"), std::string::npos) << cut.output;
}

}  // namespace

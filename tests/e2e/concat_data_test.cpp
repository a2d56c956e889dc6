#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

using namespace mmkd::testing;

namespace {

std::string with_train_data(const std::string& train) {
  std::string yaml = tiny_experiment_yaml("runs");
  const size_t begin = yaml.find("  train: {");
  yaml.replace(begin, yaml.find('\n', begin) - begin, "  train:\n" + train);
  yaml.replace(yaml.find("trainer: {epochs: 3"), 19, "trainer: {epochs: 1");
  return yaml;
}

TEST(ConcatData, AListOfDatasetsTrainsOnTheirWeightedConcatenation) {
  TempDir dir;
  write_file(dir.file("exp.yaml"),
             with_train_data("    - {type: synthetic_shapes, size: 32, image_size: 8, seed: 1}\n"
                             "    - {type: synthetic_shapes, size: 32, image_size: 8, seed: 3, weight: 0.5}\n"));
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir r");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("step 6/6"), std::string::npos) << r.output;  // (32 + 16) / batch 8
}

TEST(ConcatData, PartsMustWriteTheSameTensors) {
  TempDir dir;
  write_file(dir.file("exp.yaml"),
             with_train_data("    - {type: synthetic_shapes, size: 32, image_size: 8, seed: 1}\n"
                             "    - {type: openwebtext, path: tokens.bin, weight: 0}\n"));
  auto r = mmkd_in(dir.path(), "validate exp.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("data.train.1: writes batch.text_ids, batch.text_mask, but data.train.0 writes"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("data.train.1.weight: must be > 0"), std::string::npos) << r.output;
}

}  // namespace

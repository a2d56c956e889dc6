#include "tiny_experiment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// Validation records of a run's metrics.jsonl by step.
std::map<int64_t, nlohmann::json> validations(const std::string& run_dir) {
  std::map<int64_t, nlohmann::json> records;
  std::stringstream lines(read_file(run_dir + "/metrics.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    auto record = nlohmann::json::parse(line);
    if (record.contains("eval.retrieval.i2t_r1")) records[record["step"].get<int64_t>()] = record;
  }
  return records;
}

// The quickstart model, trained briefly with validation every 8 steps and the best weights
// kept, then evaluated again from its run folder by `mmkd eval`.
TEST(Evaluation, TrainingKeepsTheBestAndMmkdEvalReproducesIt) {
  TempDir dir;
  const std::string experiment = source_dir() + "/experiments/quickstart.yaml";
  const std::string budget = " data.train.size=512 data.eval.size=64 trainer.epochs=2 eval.every_steps=4";
  auto trained = mmkd_in(dir.path(), "run " + experiment + " --run-dir run" + budget);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;

  const auto records = validations(dir.file("run"));
  ASSERT_EQ(records.size(), 4u) << read_file(dir.file("run/metrics.jsonl"));  // steps 4, 8, 12, 16
  int64_t best_step = -1;
  double best = -1;
  for (const auto& [step, record] : records)
    if (record["eval.retrieval.i2t_r1"].get<double>() > best) best = record["eval.retrieval.i2t_r1"], best_step = step;
  auto best_record = nlohmann::json::parse(read_file(dir.file("run/eval/best.json")));
  EXPECT_EQ(best_record["metric"], "eval.retrieval.i2t_r1");
  EXPECT_EQ(best_record["step"], best_step);
  EXPECT_DOUBLE_EQ(best_record["value"].get<double>(), best);
  ASSERT_TRUE(fs::exists(dir.file("run/best.safetensors")));

  auto latest = nlohmann::json::parse(read_file(dir.file("run/eval/results.json")));
  EXPECT_EQ(latest["step"], 16);
  EXPECT_EQ(latest["metrics"]["eval.retrieval.t2i_r10"], records.at(16)["eval.retrieval.t2i_r10"]);
  const std::string table = read_file(dir.file("run/eval/results.md"));
  EXPECT_EQ(table.find("| Model | eval |  |  |  |  |  |\n"), 0u) << table;
  EXPECT_NE(table.find("|  | Image → Text |  |  | Text → Image |  |  |\n|  | R@1 | R@5 | R@10 | R@1 | R@5 | R@10 |"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| quickstart (step 16) | "), std::string::npos) << table;

  auto evaluated = mmkd_in(dir.path(), "eval " + experiment + " --checkpoint run" + budget);
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.output;
  EXPECT_NE(evaluated.output.find("| quickstart | "), std::string::npos) << evaluated.output;
  auto again = nlohmann::json::parse(read_file(dir.file("run/eval_best/results.json")));
  for (const char* metric : {"eval.retrieval.i2t_r1", "eval.retrieval.t2i_r5"})
    EXPECT_NEAR(again["metrics"][metric].get<double>(), records.at(best_step)[metric].get<double>(), 1e-12) << metric;
  EXPECT_TRUE(again["step"].is_null());
  EXPECT_NE(read_file(dir.file("run/eval_best/results.md")).find("| quickstart (best.safetensors) | "), std::string::npos);

  auto from_checkpoint = mmkd_in(dir.path(), "eval " + experiment + " --checkpoint run/checkpoints/step_00000016.pt --out out" + budget);
  ASSERT_EQ(from_checkpoint.exit_code, 0) << from_checkpoint.output;
  auto last = nlohmann::json::parse(read_file(dir.file("out/results.json")));
  EXPECT_NEAR(last["metrics"]["eval.retrieval.i2t_r1"].get<double>(), records.at(16)["eval.retrieval.i2t_r1"].get<double>(), 1e-12);
}

// CLIP-style zero-shot classification of the quickstart model: the colour of the shape from
// prompts run through the text branch only (tests/fixtures/zero_shot_shapes: a vocabulary with
// the synthetic captions' word ids, the 8 colours, 4 prompt templates), next to retrieval.
TEST(Evaluation, ZeroShotNamesColoursFarAboveChance) {
  TempDir dir;
  const std::string fixtures = source_dir() + "/tests/fixtures/zero_shot_shapes/";
  write_file(dir.file("exp.yaml"), "extends: " + source_dir() + "/experiments/quickstart.yaml\n" +
                                        "data:\n  eval: {label: colour}\n"
                                        "eval:\n  evaluators:\n    zero_shot: {type: zero_shot, classes: " +
                                        fixtures + "colours.txt, templates: " + fixtures + "colour_templates.txt, vocab: " +
                                        fixtures + "vocab.txt, max_len: 12, text_embedding: text.embedding, "
                                        "inputs: {image: image.embedding}}\n");
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir run data.eval.size=128 trainer.epochs=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto results = nlohmann::json::parse(read_file(dir.file("run/eval/results.json")));
  EXPECT_GT(results["metrics"]["eval.zero_shot.top1"].get<double>(), 0.3) << results.dump();  // chance: 1/8
  const std::string table = read_file(dir.file("run/eval/results.md"));
  EXPECT_NE(table.find("|  | retrieval |  |  |  |  |  | zero_shot |  |\n"), std::string::npos) << table;
}

// `mmkd bench`: the quickstart's step timed on its replayed first batch, phases and FLOPs
// reported, nothing left behind.
TEST(Bench, TimesTheStepAndLeavesNoRunFolder) {
  TempDir dir;
  auto r = mmkd_in(dir.path(), "bench " + source_dir() + "/experiments/quickstart.yaml --steps 6 --warmup 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* line : {"samples_per_second ", "tflops_per_second ", "over 6 steps: data ", " student ", " backward ",
                           " optimizer "})
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
  EXPECT_FALSE(fs::exists(dir.file("runs"))) << r.output;
  const auto folder = r.output.find("run folder ");
  ASSERT_NE(folder, std::string::npos) << r.output;
  const std::string run = r.output.substr(folder + 11, r.output.find('\n', folder) - folder - 11);
  EXPECT_FALSE(fs::exists(run)) << run;

  auto plain = mmkd_in(dir.path(), "bench " + source_dir() + "/experiments/quickstart.yaml --steps 2 --warmup 1 --no-phases");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("samples_per_second "), std::string::npos) << plain.output;
  EXPECT_EQ(plain.output.find(" over 2 steps:"), std::string::npos) << plain.output;
}

// --pretrained evaluates the model as the experiment builds it (no trained weights): seeded, so
// twice the same numbers; it takes no --checkpoint besides.
TEST(Evaluation, PretrainedEvaluatesTheModelAsBuilt) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml(dir.file("runs")));
  auto first = mmkd_in(dir.path(), "eval exp.yaml --pretrained");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("evaluated pretrained checkpoints"), std::string::npos) << first.output;
  const std::string results = read_file(dir.file("eval_pretrained/results.json"));
  EXPECT_NE(results.find("eval.retrieval.i2t_r1"), std::string::npos) << results;
  auto second = mmkd_in(dir.path(), "eval exp.yaml --pretrained --out again");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(read_file(dir.file("again/results.json")), results);
  auto table10 = mmkd_in(dir.path(), "validate --smoke " + source_dir() + "/experiments/eval/data2vec2_unaligned.yaml");
  EXPECT_EQ(table10.exit_code, 0) << table10.output;
  auto both = mmkd_in(dir.path(), "eval exp.yaml --pretrained --checkpoint runs");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.output.find("either --checkpoint"), std::string::npos) << both.output;
}

TEST(Evaluation, MissingWeightsAreNamed) {
  TempDir dir;
  const std::string experiment = source_dir() + "/experiments/quickstart.yaml";
  auto r = mmkd_in(dir.path(), "eval " + experiment + " --checkpoint nowhere.safetensors");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("weights file nowhere.safetensors not found"), std::string::npos) << r.output;
}

}  // namespace

#include "tiny_experiment.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <algorithm>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// The quickstart model trained briefly and exported, then fine-tuned and linearly probed on
// the shapes' colours (experiments/quickstart_finetune.yaml): classifier head, mixup/cutmix,
// layer-wise learning-rate decay, accuracy in the results table.
TEST(FineTuning, ClassifiesShapesFromTheExportedQuickstartEncoder) {
  TempDir dir;
  auto pretrained = mmkd_in(dir.path(), "run " + source_dir() +
                                            "/experiments/quickstart.yaml --run-dir pre data.train.size=512 "
                                            "data.eval.size=64 trainer.epochs=2");
  ASSERT_EQ(pretrained.exit_code, 0) << pretrained.output;
  auto exported = mmkd_in(dir.path(), "export pre");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;

  const std::string finetune = "run " + source_dir() + "/experiments/quickstart_finetune.yaml vars.student=" +
                               dir.file("pre/export/image.safetensors") + " data.train.size=1024 trainer.epochs=3";
  auto tuned = mmkd_in(dir.path(), finetune + " --run-dir tuned");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.output;
  auto probed = mmkd_in(dir.path(), finetune + " --run-dir probed model.image.frozen=true");
  ASSERT_EQ(probed.exit_code, 0) << probed.output;

  auto results = nlohmann::json::parse(read_file(dir.file("tuned/eval/results.json")));
  const double accuracy = results["metrics"]["eval.accuracy.accuracy"].get<double>();
  EXPECT_GT(accuracy, 0.5) << results.dump();  // 8 colours: chance is 1/8
  EXPECT_GE(results["metrics"]["eval.accuracy.top5"].get<double>(), accuracy);
  const std::string table = read_file(dir.file("tuned/eval/results.md"));
  EXPECT_NE(table.find("Accuracy"), std::string::npos) << table;

  const auto before = mmkd::read_safetensors(dir.file("pre/final.safetensors"));
  const auto after_tuning = mmkd::read_safetensors(dir.file("tuned/final.safetensors"));
  const auto after_probing = mmkd::read_safetensors(dir.file("probed/final.safetensors"));
  const std::string block = "model.image.blocks.0.attn.qkv.weight";
  EXPECT_FALSE(torch::equal(before.at(block), after_tuning.at(block)));
  EXPECT_TRUE(torch::equal(before.at(block), after_probing.at(block)));  // frozen
  EXPECT_FALSE(torch::equal(after_tuning.at("model.head.head.weight"), after_probing.at("model.head.head.weight")));
  auto probe_results = nlohmann::json::parse(read_file(dir.file("probed/eval/results.json")));
  EXPECT_GT(probe_results["metrics"]["eval.accuracy.accuracy"].get<double>(), 1.5 / 8) << probe_results.dump();
}

// A toy MRPC (label 1: the two sentences are the same words) and STS-B (score: shared words)
// written as GLUE's TSV files, fine-tuned from scratch with experiments/finetune/glue_mrpc.yaml
// and glue_stsb.yaml at tiny size: each task's metric reaches the results files.
TEST(FineTuning, GlueTasksReportTheirMetrics) {
  TempDir dir;
  const std::vector<std::string> words = {"the", "cat", "sat", "dog", "ran", "a", "it", "is"};
  std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n";
  for (const auto& word : words) vocab += word + "\n";
  write_file(dir.file("vocab.txt"), vocab);
  std::string mrpc = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n", stsb = "index\tsentence1\tsentence2\tscore\n";
  for (int i = 0; i < 64; ++i) {
    const std::string first = words[i % 8] + " " + words[(i / 8) % 8];
    const std::string second = i % 2 ? first : words[(i + 3) % 8] + " " + words[(i / 8) % 8];
    mrpc += std::to_string(i % 2) + "\t1\t2\t" + first + "\t" + second + "\n";
    stsb += std::to_string(i) + "\t" + first + "\t" + second + "\t" + (i % 2 ? "5.0" : "2.5") + "\n";
  }
  for (const std::string split : {"train", "dev"}) {
    write_file(dir.file("glue/MRPC/" + split + ".tsv"), mrpc);
    write_file(dir.file("glue/STS-B/" + split + ".tsv"), stsb);
  }
  const std::string tiny = " vars.data_root=" + dir.path() + " vars.vocab=" + dir.file("vocab.txt") +
                           " 'vars.student=\"\"' model.text.depth=1 model.text.dim=16 model.text.heads=2 model.text.vocab_size=16"
                           " model.head.dim=16 data.train.max_len=8 data.eval.max_len=8 trainer.epochs=2 trainer.batch_size=16"
                           " trainer.threads=1";
  for (const std::string task : {"mrpc", "stsb"}) {
    auto r = mmkd_in(dir.path(), "run " + source_dir() + "/experiments/finetune/glue_" + task + ".yaml --run-dir " + task + tiny);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto mrpc_results = nlohmann::json::parse(read_file(dir.file("mrpc/eval/results.json")))["metrics"];
  for (const char* metric : {"eval.glue.accuracy", "eval.glue.f1"}) {
    ASSERT_TRUE(mrpc_results.contains(metric)) << mrpc_results.dump();
    EXPECT_GE(mrpc_results[metric].get<double>(), 0.0);
    EXPECT_LE(mrpc_results[metric].get<double>(), 1.0);
  }
  EXPECT_NE(read_file(dir.file("mrpc/eval/results.md")).find("F1"), std::string::npos);
  auto stsb_results = nlohmann::json::parse(read_file(dir.file("stsb/eval/results.json")))["metrics"];
  ASSERT_TRUE(stsb_results.contains("eval.stsb.spearman")) << stsb_results.dump();
  EXPECT_TRUE(std::filesystem::exists(dir.file("stsb/best.safetensors")));
}

// Every experiment file (not the *_base.yaml files others extend) passes `mmkd validate`.
TEST(Experiments, EveryExperimentFileValidates) {
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source_dir() + "/experiments")) {
    const std::string path = entry.path().string();
    if (entry.path().extension() != ".yaml" || path.size() > 10 && path.substr(path.size() - 10) == "_base.yaml") continue;
    auto r = run_command("'" + mmkd_executable() + "' validate '" + path + "'");
    EXPECT_EQ(r.exit_code, 0) << path << "\n" << r.output;
    ++checked;
  }
  EXPECT_GE(checked, 16);
}

// `--smoke` runs each fine-tuning file 2 steps on synthetic data with random weights (their
// `smoke:` sections), the evaluators at the end.
TEST(Experiments, FineTuningFilesRunWithSmoke) {
  TempDir dir;
  int ran = 0;
  for (const auto& file : experiment_files(source_dir() + "/experiments/finetune")) {
    const std::string name = fs::path(file).stem().string();
    auto r = mmkd_in(dir.path(), "run " + file + " --smoke --run-dir " + name);
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
    EXPECT_NE(r.output.find("finished 2 steps"), std::string::npos) << name << "\n" << r.output;
    ++ran;
  }
  EXPECT_EQ(ran, 14);
}

// Every thesis experiment runs 2 steps with `--smoke` (32-pixel synthetic data, 1-layer
// models, random weights), its evaluators at the end.
TEST(Experiments, ThesisFilesRunWithSmoke) {
  TempDir dir;
  int ran = 0;
  for (const auto& file : experiment_files(source_dir() + "/experiments/thesis")) {
    const std::string name = fs::path(file).stem().string();
    auto r = mmkd_in(dir.path(), "run " + file + " --smoke --run-dir " + name);
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
    EXPECT_NE(r.output.find("finished 2 steps"), std::string::npos) << name << "\n" << r.output;
    ++ran;
  }
  EXPECT_EQ(ran, 24);
}

// `mmkd bench` on a thesis file needs none of its data or weights: its `bench:` section gives
// synthetic data of the real shapes (224-pixel images, 64-token captions) and random weights.
TEST(Experiments, ThesisFilesBenchOnSyntheticDataOfTheirRealShapes) {
  int checked = 0;
  for (const auto& file : experiment_files(source_dir() + "/experiments/thesis")) {
    auto r = run_command("'" + mmkd_executable() + "' validate --bench '" + file + "'");
    EXPECT_EQ(r.exit_code, 0) << fs::path(file).stem().string() << "\n" << r.output;
    ++checked;
  }
  EXPECT_EQ(checked, 24);
  TempDir dir;
  auto r = mmkd_in(dir.path(), "bench " + source_dir() + "/experiments/thesis/s_smke.yaml --steps 1 --warmup 1 trainer.batch_size=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("model.image (vit): 57,295,872"), std::string::npos) << r.output;  // 2 prenet + 6 main blocks
  EXPECT_NE(r.output.find("peak_memory_mib "), std::string::npos) << r.output;
}

// experiments/eval/image_text_eval_base.yaml under a model writing image.embedding and
// text.embedding: four evaluators on three named sets pass `mmkd validate`.
TEST(Experiments, ImageTextEvaluationBaseValidatesUnderAModel) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), "extends: " + source_dir() + "/experiments/eval/image_text_eval_base.yaml\n" + R"(
data: {train: {type: synthetic_shapes}}
model:
  image: {type: vit, inputs: {image: batch.image}, embed_dim: 8}
  text: {type: text_transformer, inputs: {ids: batch.text_ids, mask: batch.text_mask}, embed_dim: 8}
losses: {clip: {type: clip_contrastive, inputs: {image: image.embedding, text: text.embedding}}}
)");
  auto r = run_command("'" + mmkd_executable() + "' validate " + dir.file("exp.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 evaluators"), std::string::npos) << r.output;
}

}  // namespace

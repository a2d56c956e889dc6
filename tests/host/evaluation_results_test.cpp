#include "cli/bench_command.hpp"
#include "config/experiment_file.hpp"
#include "config/option_check.hpp"
#include "graph/host_sections.hpp"
#include "mmkd_testing.hpp"
#include "optim/optimizer.hpp"
#include "state/best_checkpoint.hpp"
#include "train/results_table.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/optim/adamw.h>
#include <torch/types.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

using namespace mmkd;
using mmkd::testing::options_for_section;
using mmkd::testing::read_file;
using mmkd::testing::TempDir;

namespace {

std::vector<TableCell> retrieval_cells(const std::string& set, double first) {
  std::vector<TableCell> cells;
  for (const char* direction : {"Image → Text", "Text → Image"})
    for (const char* k : {"R@1", "R@5"}) cells.push_back({{set, direction, k}, std::to_string(first++).substr(0, 4)});
  return cells;
}

TEST(ResultsTable, HeadingRowsSpanLikeTheThesisTable10) {
  std::vector<TableCell> cells = retrieval_cells("MSCOCO", 1);
  for (auto& cell : retrieval_cells("Flickr30K", 5)) cells.push_back(cell);
  std::vector<TableCell> second = {cells[5], cells[0]};  // another run: other order, columns missing
  second[0].value = "x";
  EXPECT_EQ(markdown_table("Model", {{"ours", cells}, {"theirs", second}}),
            "| Model | MSCOCO |  |  |  | Flickr30K |  |  |  |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            "|  | Image → Text |  | Text → Image |  | Image → Text |  | Text → Image |  |\n"
            "|  | R@1 | R@5 | R@1 | R@5 | R@1 | R@5 | R@1 | R@5 |\n"
            "| ours | 1.00 | 2.00 | 3.00 | 4.00 | 5.00 | 6.00 | 7.00 | 8.00 |\n"
            "| theirs | 1.00 |  |  |  |  | x |  |  |\n");
}

TEST(ResultsTable, WritesJsonAndMarkdown) {
  TempDir dir;
  EvalResult result{{{"eval.retrieval.i2t_r1", 0.25}}, {{{"eval", "i2t"}, "25.00"}}};
  write_eval_results(dir.file("eval"), "tiny (step 8)", 8, result);
  auto json = nlohmann::json::parse(read_file(dir.file("eval/results.json")));
  EXPECT_EQ(json["step"], 8);
  EXPECT_EQ(json["label"], "tiny (step 8)");
  EXPECT_DOUBLE_EQ(json["metrics"]["eval.retrieval.i2t_r1"].get<double>(), 0.25);
  EXPECT_EQ(read_file(dir.file("eval/results.md")),
            "| Model | eval |\n| --- | --- |\n|  | i2t |\n| tiny (step 8) | 25.00 |\n");
}

TEST(LayerDecay, ScalesLearningRatesByEq42) {
  EXPECT_EQ(layer_of("model.image.blocks.0.attn.qkv.weight", 2), 1);
  EXPECT_EQ(layer_of("model.image.trunk.blocks.11.norm1.weight", 12), 12);
  EXPECT_EQ(layer_of("model.image.patch_embed.proj.weight", 2), 0);
  EXPECT_EQ(layer_of("model.image.cls_token", 2), 0);
  EXPECT_EQ(layer_of("model.image.norm.weight", 2), 3);
  EXPECT_EQ(layer_of("model.head.linear.weight", 2), 3);

  std::vector<std::pair<std::string, torch::Tensor>> parameters = {
      {"model.image.patch_embed.weight", torch::zeros({4, 4}, torch::requires_grad())},
      {"model.image.blocks.0.fc.weight", torch::zeros({4, 4}, torch::requires_grad())},
      {"model.image.blocks.0.fc.bias", torch::zeros({4}, torch::requires_grad())},
      {"model.image.blocks.1.fc.weight", torch::zeros({4, 4}, torch::requires_grad())},
      {"model.head.weight", torch::zeros({2, 4}, torch::requires_grad())}};
  AdamWGroups groups = make_adamw(parameters, options_for_section(optimizer_options(), "optimizer", "{layer_decay: 0.5, lr: 2.0}"));
  set_learning_rate(groups, 2.0);
  // lr_l = 2 * 0.5^(L + 1 - l) with L = 2 blocks.
  const std::vector<double> expected = {2 * 0.125, 2 * 0.25, 2 * 0.25, 2 * 0.5, 2 * 1.0};
  for (size_t i = 0; i < parameters.size(); ++i) {
    bool found = false;
    for (const auto& group : groups.optimizer->param_groups())
      for (const auto& p : group.params())
        if (p.is_same(parameters[i].second)) {
          found = true;
          EXPECT_DOUBLE_EQ(group.options().get_lr(), expected[i]) << parameters[i].first;
          const double decay = static_cast<const torch::optim::AdamWOptions&>(group.options()).weight_decay();
          EXPECT_EQ(decay, skips_weight_decay(parameters[i].first, parameters[i].second) ? 0.0 : 0.01)
              << parameters[i].first;
        }
    EXPECT_TRUE(found) << parameters[i].first;
  }

  AdamWGroups flat = make_adamw(parameters, options_for_section(optimizer_options(), "optimizer", "{lr: 2.0}"));
  set_learning_rate(flat, 3.0);
  EXPECT_EQ(flat.optimizer->param_groups().size(), 2u);  // with and without weight decay
  for (const auto& group : flat.optimizer->param_groups()) EXPECT_DOUBLE_EQ(group.options().get_lr(), 3.0);
}

TEST(AdamW, ZeroGradientsKeepsThemAsZerosOnEveryLibtorch) {
  std::vector<std::pair<std::string, torch::Tensor>> parameters = {
      {"model.a.weight", torch::ones({2, 2}, torch::requires_grad())}, {"model.a.bias", torch::ones({2}, torch::requires_grad())}};
  AdamWGroups groups = make_adamw(parameters, options_for_section(optimizer_options(), "optimizer", "{lr: 0.1}"));
  parameters[0].second.mutable_grad() = torch::full({2, 2}, 3.0);
  zero_gradients(groups);
  ASSERT_TRUE(parameters[0].second.grad().defined());
  EXPECT_TRUE(torch::equal(parameters[0].second.grad(), torch::zeros({2, 2})));
  EXPECT_FALSE(parameters[1].second.grad().defined());
}

TEST(LayerDecay, GivesTheThesisTable5LearningRates) {
  std::vector<std::pair<std::string, torch::Tensor>> parameters = {{"model.image.cls_token", torch::zeros({1, 1, 4})}};
  for (int i = 0; i < 6; ++i) parameters.push_back({fmt::format("model.image.blocks.{}.fc.weight", i), torch::zeros({4, 4})});
  parameters.push_back({"model.head.head.weight", torch::zeros({2, 4})});
  AdamWGroups groups = make_adamw(parameters, options_for_section(optimizer_options(), "optimizer", "{layer_decay: 0.81}"));
  set_learning_rate(groups, 1e-3);
  std::vector<double> rates;
  for (const auto& group : groups.optimizer->param_groups()) rates.push_back(group.options().get_lr());
  std::sort(rates.begin(), rates.end());
  const std::vector<double> table5 = {2.3e-4, 2.8e-4, 3.5e-4, 4.3e-4, 5.3e-4, 6.6e-4, 8.1e-4, 1e-3};  // layers 0-7
  ASSERT_EQ(rates.size(), table5.size());
  for (size_t l = 0; l < rates.size(); ++l) EXPECT_NEAR(rates[l], table5[l], 0.05e-4) << "layer " << l;
}

TEST(BestCheckpoint, KeepsTheBestValidationAndContinuesAfterResume) {
  TempDir dir;
  const Options eval = options_for_section(eval_options(), "eval", "{best_metric: eval.r.loss, best_mode: min}");
  const TensorMap weights{{"w", torch::ones({2})}};
  {
    BestCheckpoint best(eval, dir.path(), true);
    EXPECT_TRUE(best.offer(10, {{"eval.r.loss", 0.5}}, weights));
    EXPECT_FALSE(best.offer(20, {{"eval.r.loss", 0.7}}, {{"w", torch::zeros({2})}}));
    EXPECT_FALSE(best.offer(30, {{"eval.r.loss", std::nan("")}}, {{"w", torch::zeros({2})}}));
    EXPECT_FALSE(best.offer(40, {{"eval.other", 0.1}}, {{"w", torch::zeros({2})}}));
  }
  EXPECT_TRUE(torch::equal(read_safetensors(dir.file("best.safetensors")).at("w"), torch::ones({2})));
  auto record = nlohmann::json::parse(read_file(dir.file("eval/best.json")));
  EXPECT_EQ(record["step"], 10);
  EXPECT_DOUBLE_EQ(record["value"].get<double>(), 0.5);

  BestCheckpoint resumed(eval, dir.path(), true);
  EXPECT_DOUBLE_EQ(resumed.value(), 0.5);
  EXPECT_FALSE(resumed.offer(50, {{"eval.r.loss", 0.6}}, {{"w", torch::zeros({2})}}));
  EXPECT_TRUE(resumed.offer(60, {{"eval.r.loss", 0.4}}, {{"w", torch::full({2}, 3.0)}}));
  EXPECT_TRUE(torch::equal(read_safetensors(dir.file("best.safetensors")).at("w"), torch::full({2}, 3.0)));

  BestCheckpoint other_rank(eval, dir.path(), false);
  EXPECT_FALSE(other_rank.offer(70, {{"eval.r.loss", 0.0}}, weights));
  const Options other_metric = options_for_section(eval_options(), "eval", "{best_metric: eval.r.acc}");
  EXPECT_THROW(BestCheckpoint(other_metric, dir.path(), true), Error);
}

TEST(BenchSummary, WeighsRecordsAfterTheWarmupByTheirSteps) {
  TempDir dir;
  mmkd::testing::write_file(dir.file("metrics.jsonl"),
                            "{\"step\": 2, \"samples_per_second\": 1.0, \"time.backward\": 9.0}\n"
                            "{\"step\": 2, \"eval.x\": 0.5}\n"
                            "{\"step\": 6, \"samples_per_second\": 100.0, \"tflops_per_second\": 2.0, \"mfu\": 0.2, "
                            "\"time.backward\": 0.02, \"time.data\": 0.01}\n"
                            "{\"step\": 8, \"samples_per_second\": 50.0, \"tflops_per_second\": 1.0, \"mfu\": 0.1, "
                            "\"time.backward\": 0.05, \"time.data\": 0.01}\n");
  const BenchFigures figures = summarise_bench(dir.file("metrics.jsonl"), 2);
  EXPECT_EQ(figures.steps, 6);
  // 6 steps over 4/100 + 2/50 time units: 6 / 0.08 = 75 samples/s at equal batch sizes.
  EXPECT_DOUBLE_EQ(figures.samples_per_second, 75.0);
  EXPECT_DOUBLE_EQ(figures.tflops_per_second, (2.0 * 0.04 + 1.0 * 0.04) / 0.08);
  EXPECT_DOUBLE_EQ(figures.mfu, (0.2 * 0.04 + 0.1 * 0.04) / 0.08);
  EXPECT_DOUBLE_EQ(figures.phase_seconds.at("backward"), (4 * 0.02 + 2 * 0.05) / 6);
  EXPECT_DOUBLE_EQ(figures.phase_seconds.at("data"), 0.01);
  const std::string text = describe_bench(figures);
  EXPECT_NE(text.find("samples_per_second 75.00"), std::string::npos) << text;
  EXPECT_NE(text.find("backward 0.0300 s"), std::string::npos) << text;
  EXPECT_THROW(summarise_bench(dir.file("metrics.jsonl"), 8), Error);
}

}  // namespace

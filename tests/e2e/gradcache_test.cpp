#include "tiny_experiment.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <sstream>

using namespace mmkd::testing;

namespace {

// CLIP, contrastive-target and memory-bank ITC losses (the batch-coupled ones), no dropout;
// clip_grad_norm only logs the gradient norm (compared relative: float32 sums in another order).
// AdamW with eps 1 steps by lr x the gradient; eps 1e-8 would turn the rounding noise of
// gradients that are 0 in exact arithmetic into steps of lr.
std::string contrastive_experiment() {
  return "name: gradcache\nseed: 3\n" + tiny_deterministic_model_yaml() + R"(losses:
  clip: {type: clip_contrastive, inputs: {image: image.embedding, text: text.embedding}}
  target: {type: contrastive_target, bank_size: 24, dim: 16, inputs: {image: image.embedding, text: text.embedding, teacher: image.cls}}
  itc: {type: memory_bank_itc, queue_size: 32, dim: 16, initial_fill: random, inputs: {image: image.embedding, text: text.embedding}}
optimizer: {lr: 1.0e-3, eps: 1.0, weight_decay: 0.0}
trainer: {max_steps: 2, batch_size: 8, log_every: 1, threads: 1, clip_grad_norm: 1.0e+6}
log: {runs_dir: runs}
)";
}

std::vector<double> gradient_norms(const std::string& run_dir) {
  std::vector<double> norms;
  std::stringstream lines(read_file(run_dir + "/metrics.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    const auto record = nlohmann::json::parse(line);
    if (record.contains("grad_norm")) norms.push_back(record["grad_norm"].get<double>());
  }
  return norms;
}

// trainer.accumulate_mode=gradcache: 2 micro-batches of 8 give the gradients of one batch of 16.
TEST(GradCache, TwoMicroBatchesGiveTheGradientsOfTheWholeBatch) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), contrastive_experiment());
  auto cached = mmkd_in(dir.path(), "run exp.yaml --run-dir cached trainer.accumulate=2 trainer.accumulate_mode=gradcache");
  ASSERT_EQ(cached.exit_code, 0) << cached.output;
  auto whole = mmkd_in(dir.path(), "run exp.yaml --run-dir whole trainer.batch_size=16");
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  auto split = mmkd_in(dir.path(), "run exp.yaml --run-dir split trainer.accumulate=2");
  ASSERT_EQ(split.exit_code, 0) << split.output;

  const std::vector<double> expected = gradient_norms(dir.file("whole"));
  const std::vector<double> actual = gradient_norms(dir.file("cached"));
  ASSERT_EQ(expected.size(), 2u);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t step = 0; step < expected.size(); ++step)
    EXPECT_NEAR(actual[step], expected[step], 1e-5 * expected[step]) << "step " << step + 1;
  // Splitting the negatives gives other gradients: the comparison can tell.
  EXPECT_GT(std::abs(gradient_norms(dir.file("split"))[0] - expected[0]), 1e-3);

  auto reference = mmkd::read_safetensors(dir.file("whole/final.safetensors"));
  auto trained = mmkd::read_safetensors(dir.file("cached/final.safetensors"));
  ASSERT_EQ(trained.size(), reference.size());
  for (const char* bank : {"losses.target.memory_bank.rows", "losses.itc.image_queue.rows"})
    EXPECT_TRUE(reference.count(bank)) << bank;
  for (const auto& [name, tensor] : reference) {
    ASSERT_TRUE(trained.count(name)) << name;
    const torch::Tensor a = trained.at(name).to(torch::kDouble), b = tensor.to(torch::kDouble);
    EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-5)) << name << " differs by " << (a - b).abs().max().item<double>();
  }
}

}  // namespace

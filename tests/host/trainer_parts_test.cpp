#include "train/batch_loader.hpp"
#include "train/lr_schedule.hpp"
#include "train/optimizer.hpp"
#include "train/progress_line.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using namespace mmkd;

namespace {

TEST(CosineSchedule, WarmsUpLinearlyThenDecaysToMinimum) {
  CosineSchedule schedule{1.0, 0.1, 4, 14};
  EXPECT_DOUBLE_EQ(schedule.lr_at(0), 0.25);
  EXPECT_DOUBLE_EQ(schedule.lr_at(3), 1.0);
  EXPECT_DOUBLE_EQ(schedule.lr_at(4), 1.0);
  EXPECT_NEAR(schedule.lr_at(9), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * 0.5)), 1e-12);
  EXPECT_NEAR(schedule.lr_at(14), 0.1, 1e-12);
  EXPECT_NEAR(schedule.lr_at(20), 0.1, 1e-12);
}

TEST(AdamW, BiasesNormsAndEmbeddingsGetNoWeightDecay) {
  EXPECT_TRUE(skips_weight_decay("model.image.blocks.0.norm1.weight", torch::ones({4})));
  EXPECT_TRUE(skips_weight_decay("model.image.proj.bias", torch::ones({4})));
  EXPECT_TRUE(skips_weight_decay("model.text.token_embedding.weight", torch::ones({10, 4})));
  EXPECT_TRUE(skips_weight_decay("model.image.pos_embed", torch::ones({1, 5, 4})));
  EXPECT_FALSE(skips_weight_decay("model.image.blocks.0.qkv.weight", torch::ones({12, 4})));
}

class Counter : public Dataset {
 public:
  int64_t size() const override { return 10; }
  TensorMap get(int64_t index, uint64_t seed) const override {
    return {{"index", torch::scalar_tensor(index, torch::kLong)},
            {"seed", torch::scalar_tensor(static_cast<int64_t>(seed % 1000), torch::kLong)}};
  }
};

TEST(BatchLoader, OrderDependsOnlyOnSeedAndEpoch) {
  BatchLoader first(std::make_shared<Counter>(), 3, true, true, 42), second(std::make_shared<Counter>(), 3, true, true, 42);
  EXPECT_EQ(first.batches_per_epoch(), 3);
  std::vector<int64_t> seen;
  for (int64_t b = 0; b < 3; ++b) {
    auto batch = first.batch(1, b);
    ASSERT_EQ(batch.at("batch.index").size(0), 3);
    for (int64_t i = 0; i < 3; ++i) seen.push_back(batch.at("batch.index")[i].item<int64_t>());
  }
  // Jumping straight to batch 2 of epoch 1 (as a resumed run does) gives the same batch.
  EXPECT_TRUE(torch::equal(second.batch(1, 2).at("batch.index"), torch::tensor({seen[6], seen[7], seen[8]})));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "a sample repeated within an epoch";
  EXPECT_FALSE(torch::equal(first.batch(0, 0).at("batch.index"), first.batch(1, 0).at("batch.index")));
}

TEST(ProgressLine, FormatsStepLossRateAndEta) {
  Progress p{40, 400, 1, 10, 2.34567, 0.001, 850.2, 72};
  EXPECT_EQ(ProgressLine::format(p), "step 40/400 | epoch 1/10 | loss 2.3457 | lr 1.00e-03 | 850 samples/s | ETA 1m12s");
  EXPECT_EQ(ProgressLine::format_duration(3725), "1h02m");
}

}  // namespace

#include "data/batch_loader.hpp"
#include "data/concat_dataset.hpp"
#include "expect_error.hpp"
#include "graph/host_sections.hpp"
#include "metrics/finite_check.hpp"
#include "metrics/progress_line.hpp"
#include "mmkd_testing.hpp"
#include "optim/foreach_adamw.hpp"
#include "optim/gradient_clipping.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/mixed_precision.hpp"
#include "optim/optimizer.hpp"
#include "thread_ranks.hpp"

#include <gtest/gtest.h>
#include <mmkd/cuda_autocast.hpp>
#include <torch/nn/utils.h>
#include <torch/optim/adamw.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <mutex>
#include <set>
#include <sstream>

using namespace mmkd;

namespace {

TEST(LrSchedule, LinearDecayFallsInEqualStepsToMinimum) {
  LrSchedule schedule{1.0, 0.1, 4, 14, true};
  EXPECT_DOUBLE_EQ(schedule.lr_at(3), 1.0);
  EXPECT_NEAR(schedule.lr_at(9), 0.1 + 0.9 * 0.5, 1e-12);
  EXPECT_NEAR(schedule.lr_at(11), 0.1 + 0.9 * 0.3, 1e-12);
  EXPECT_NEAR(schedule.lr_at(14), 0.1, 1e-12);
}

TEST(LrSchedule, WarmsUpLinearlyThenDecaysToMinimum) {
  LrSchedule schedule{1.0, 0.1, 4, 14};
  EXPECT_DOUBLE_EQ(schedule.lr_at(0), 0.25);
  EXPECT_DOUBLE_EQ(schedule.lr_at(3), 1.0);
  EXPECT_DOUBLE_EQ(schedule.lr_at(4), 1.0);
  EXPECT_NEAR(schedule.lr_at(9), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * 0.5)), 1e-12);
  EXPECT_NEAR(schedule.lr_at(14), 0.1, 1e-12);
  EXPECT_NEAR(schedule.lr_at(20), 0.1, 1e-12);
}

TEST(GradientClipping, MatchesLibtorchsClipGradNormWithoutWaitingForTheNorm) {
  for (double max_norm : {0.5, 100.0}) {
    torch::manual_seed(3);
    std::vector<torch::Tensor> ours = {torch::randn({3, 4}, torch::requires_grad()), torch::randn({5}, torch::requires_grad()),
                                       torch::randn({2}, torch::requires_grad())};
    std::vector<torch::Tensor> theirs;
    for (const auto& p : ours) theirs.push_back(p.detach().clone().requires_grad_());
    for (size_t i = 0; i < 2; ++i) {  // the third parameter has no gradient
      ours[i].mutable_grad() = torch::randn_like(ours[i]) * 3;
      theirs[i].mutable_grad() = ours[i].grad().clone();
    }
    const torch::Tensor norm = clip_gradient_norm(ours, max_norm);
    const double expected = torch::nn::utils::clip_grad_norm_(theirs, max_norm);
    EXPECT_EQ(norm.dim(), 0);
    EXPECT_DOUBLE_EQ(norm.item<double>(), expected);
    for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(torch::equal(ours[i].grad(), theirs[i].grad())) << max_norm;
    EXPECT_FALSE(ours[2].grad().defined());
  }
  EXPECT_EQ(clip_gradient_norm({torch::zeros({2}, torch::requires_grad())}, 1.0).item<double>(), 0.0);
}

LossValues loss_of(double total) {
  return {torch::tensor(total), {{"a.loss", torch::tensor(total * 2)}}};
}

// CudaAutocast takes libtorch 2.4's per-device autocast API or the older GPU-only one; both keep
// the state per thread, so it round-trips without a GPU on either build.
TEST(CudaAutocast, AppliedStateIsTheCurrentOneOnEveryLibtorch) {
  const CudaAutocast before = CudaAutocast::current();
  EXPECT_FALSE(before.enabled);
  CudaAutocast{true, at::kBFloat16}.apply();
  const CudaAutocast bf16 = CudaAutocast::current();
  CudaAutocast{true, at::kHalf}.apply();
  const CudaAutocast fp16 = CudaAutocast::current();
  before.apply();
  EXPECT_TRUE(bf16.enabled);
  EXPECT_EQ(bf16.dtype, at::kBFloat16);
  EXPECT_TRUE(fp16.enabled);
  EXPECT_EQ(fp16.dtype, at::kHalf);
  EXPECT_FALSE(CudaAutocast::current().enabled);
}

TEST(FiniteCheck, ReportsTheFirstNonFiniteMicroBatchWithItsValuesThenForgets) {
  FiniteCheck check;
  EXPECT_FALSE(check.first_nonfinite().has_value());
  check.add(1, loss_of(0.5));
  check.add(2, loss_of(1.0));
  check.add(2, loss_of(std::numeric_limits<double>::infinity()));
  check.add(3, loss_of(std::nan("")));
  auto found = check.first_nonfinite();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->step, 2);
  EXPECT_TRUE(std::isinf(found->values.at("a.loss").item<double>()));
  EXPECT_FALSE(check.first_nonfinite().has_value());
  check.add(4, loss_of(0.0));
  EXPECT_FALSE(check.first_nonfinite().has_value());
}

TEST(FiniteCheck, EveryRankLearnsOfANonFiniteStepOnAnotherRank) {
  std::map<int, NonfiniteStep> found;
  std::mutex lock;
  mmkd::testing::run_ranks(2, [&](const Context& context) {
    FiniteCheck check;
    check.add(1, loss_of(1.0));
    check.add(2, loss_of(context.rank == 1 ? std::nan("") : 1.0));
    check.add(3, loss_of(std::nan("")));
    auto first = check.first_nonfinite(context.collectives.get());
    std::lock_guard<std::mutex> guard(lock);
    if (first) found[context.rank] = *first;
  });
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].step, 2);
  EXPECT_TRUE(found[0].values.empty());  // rank 0's own loss was finite at step 2
  EXPECT_EQ(found[1].step, 2);
  EXPECT_TRUE(std::isnan(found[1].values.at("a.loss").item<double>()));
}

TEST(LossScaler, UnscalesEveryGradientAndSaysWhetherAllAreFinite) {
  LossScaler scaler(true, 4.0);
  std::vector<torch::Tensor> parameters = {torch::zeros({2}, torch::requires_grad()), torch::zeros({3}, torch::requires_grad()),
                                           torch::zeros({1}, torch::requires_grad())};
  parameters[0].mutable_grad() = torch::tensor({4.0f, 8.0f});
  parameters[1].mutable_grad() = torch::tensor({2.0f, -4.0f, 12.0f});
  EXPECT_TRUE(scaler.unscale(parameters));  // the third has no gradient
  EXPECT_TRUE(torch::equal(parameters[0].grad(), torch::tensor({1.0f, 2.0f})));
  EXPECT_TRUE(torch::equal(parameters[1].grad(), torch::tensor({0.5f, -1.0f, 3.0f})));
  parameters[1].mutable_grad() = torch::tensor({1.0f, std::numeric_limits<float>::infinity(), 0.0f});
  EXPECT_FALSE(scaler.unscale(parameters));
  EXPECT_TRUE(LossScaler(false).unscale(parameters));
}

TEST(AdamW, BiasesNormsAndEmbeddingsGetNoWeightDecay) {
  EXPECT_TRUE(skips_weight_decay("model.image.blocks.0.norm1.weight", torch::ones({4})));
  EXPECT_TRUE(skips_weight_decay("model.image.proj.bias", torch::ones({4})));
  EXPECT_TRUE(skips_weight_decay("model.text.token_embedding.weight", torch::ones({10, 4})));
  EXPECT_TRUE(skips_weight_decay("model.image.pos_embed", torch::ones({1, 5, 4})));
  EXPECT_FALSE(skips_weight_decay("model.image.blocks.0.qkv.weight", torch::ones({12, 4})));
}

TEST(AdamW, LinearScalingRuleScalesThePeakLearningRateByTheGlobalBatch) {
  auto options = [](const std::string& yaml) {
    return mmkd::testing::options_for_section(optimizer_options(), "optimizer", yaml);
  };
  EXPECT_DOUBLE_EQ(peak_learning_rate(options("{lr: 1.0e-4}"), 512), 1e-4);
  EXPECT_DOUBLE_EQ(peak_learning_rate(options("{lr: 1.0e-4, lr_reference_batch: 256}"), 512), 2e-4);
  EXPECT_DOUBLE_EQ(peak_learning_rate(options("{lr: 5.0e-4, lr_reference_batch: 256}"), 256), 5e-4);
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
  LoaderOptions options;
  options.batch_size = 3;
  options.shuffle = options.drop_last = true;
  options.seed = 42;
  BatchLoader first(std::make_shared<Counter>(), options), second(std::make_shared<Counter>(), options);
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

// Sample 7 cannot be read.
class Unreadable : public Counter {
 public:
  TensorMap get(int64_t index, uint64_t seed) const override {
    if (index == 7) throw Error("sample 7 is corrupt");
    return Counter::get(index, seed);
  }
};

TEST(BatchLoader, WorkersDoNotChangeTheBatches) {
  LoaderOptions one;
  one.batch_size = 2;
  one.shuffle = true;
  one.seed = 5;
  LoaderOptions many = one;
  many.workers = 4;
  many.prefetch = 3;
  BatchLoader serial(std::make_shared<Counter>(), one), parallel(std::make_shared<Counter>(), many);
  for (int64_t epoch = 0; epoch < 2; ++epoch)
    for (int64_t b = 0; b < serial.batches_per_epoch(); ++b) {
      auto expected = serial.batch(epoch, b), actual = parallel.batch(epoch, b);
      EXPECT_TRUE(torch::equal(expected.at("batch.index"), actual.at("batch.index"))) << epoch << " " << b;
      EXPECT_TRUE(torch::equal(expected.at("batch.seed"), actual.at("batch.seed")));
    }
}

TEST(BatchLoader, ADatasetErrorReachesTheStepThatNeedsTheBatch) {
  LoaderOptions options;
  options.batch_size = 5;
  options.workers = 2;
  BatchLoader loader(std::make_shared<Unreadable>(), options);
  EXPECT_EQ(loader.batch(0, 0).at("batch.index").size(0), 5);  // batch 1, prefetched, holds sample 7
  mmkd::testing::expect_error_naming([&] { loader.batch(0, 1); }, {"sample 7 is corrupt"});
  EXPECT_THROW(loader.batch(0, 2), Error);
}

TEST(ProgressLine, FormatsStepLossRateAndEta) {
  Progress p{40, 400, 1, 10, 2.34567, 0.001, 850.2, 72};
  EXPECT_EQ(ProgressLine::format(p), "step 40/400 | epoch 1/10 | loss 2.3457 | lr 1.00e-03 | 850 samples/s | ETA 1m12s");
  EXPECT_EQ(ProgressLine::format_duration(3725), "1h02m");
}

}  // namespace

namespace {

// Ten samples whose `index` is offset by `base`.
class Offset : public Dataset {
 public:
  explicit Offset(int64_t base) : base_(base) {}
  int64_t size() const override { return 10; }
  TensorMap get(int64_t index, uint64_t) const override { return {{"index", torch::scalar_tensor(base_ + index, torch::kLong)}}; }
  std::map<std::string, int64_t> counters() const override { return {{"skipped_images", base_ / 100}}; }

 private:
  int64_t base_;
};

TEST(ConcatDataset, WeightOneReadsInOrderOtherWeightsSampleFromTheSeed) {
  ConcatDataset data({{std::make_shared<Offset>(100), 1.0}, {std::make_shared<Offset>(200), 0.5},
                      {std::make_shared<Offset>(300), 2.0}});
  ASSERT_EQ(data.size(), 10 + 5 + 20);
  EXPECT_EQ(data.get(3, 1).at("index").item<int64_t>(), 103);
  std::set<int64_t> drawn;
  for (int64_t i = 10; i < 15; ++i) {
    const int64_t value = data.get(i, static_cast<uint64_t>(i) * 7919).at("index").item<int64_t>();
    EXPECT_GE(value, 200);
    EXPECT_LT(value, 210);
    EXPECT_EQ(data.get(i, static_cast<uint64_t>(i) * 7919).at("index").item<int64_t>(), value);  // same seed, same sample
    drawn.insert(value);
  }
  EXPECT_GT(drawn.size(), 1u);
  for (int64_t i = 15; i < 35; ++i) EXPECT_GE(data.get(i, i).at("index").item<int64_t>(), 300);
  EXPECT_THROW(data.get(35, 0), Error);
  EXPECT_EQ(data.counters().at("skipped_images"), 1 + 2 + 3);
}

}  // namespace

namespace {

// 3 shards of 4, 2 and 4 samples.
class Sharded : public Counter {
 public:
  std::vector<int64_t> shard_sizes() const override { return {4, 2, 4}; }
};

TEST(BatchLoader, ShardedDataIsShuffledShardByShard) {
  LoaderOptions options;
  options.batch_size = 10;
  options.shuffle = true;
  options.seed = 3;
  BatchLoader loader(std::make_shared<Sharded>(), options);
  std::vector<int64_t> shard_of = {0, 0, 0, 0, 1, 1, 2, 2, 2, 2};
  std::set<std::vector<int64_t>> orders;
  for (int64_t epoch = 0; epoch < 6; ++epoch) {
    torch::Tensor index = loader.batch(epoch, 0).at("batch.index");
    std::vector<int64_t> order(index.data_ptr<int64_t>(), index.data_ptr<int64_t>() + 10), shards;
    for (int64_t i : order)
      if (shards.empty() || shards.back() != shard_of[i]) shards.push_back(shard_of[i]);
    EXPECT_EQ(shards.size(), 3u) << "a shard was visited twice in epoch " << epoch;
    orders.insert(order);
  }
  EXPECT_GT(orders.size(), 3u);
}

}  // namespace

namespace {

// Five tensors of different shapes, the same values on every call.
std::vector<torch::Tensor> adamw_parameters() {
  torch::manual_seed(0);
  std::vector<torch::Tensor> parameters;
  for (auto shape : std::vector<std::vector<int64_t>>{{4, 3}, {5}, {2, 3, 2}, {6}, {3, 3}})
    parameters.push_back(torch::randn(shape).requires_grad_());
  return parameters;
}

// Two groups with their own lr, betas, eps and weight decay.
template <typename Optimizer>
std::unique_ptr<torch::optim::AdamW> make_test_adamw(const std::vector<torch::Tensor>& p) {
  auto decayed = std::make_unique<torch::optim::AdamWOptions>(1e-2);
  decayed->betas({0.9, 0.95}).weight_decay(0.05);
  auto plain = std::make_unique<torch::optim::AdamWOptions>(3e-3);
  plain->eps(1e-6).weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{p[0], p[1], p[2]}, std::move(decayed));
  groups.emplace_back(std::vector<torch::Tensor>{p[3], p[4]}, std::move(plain));
  return std::make_unique<Optimizer>(groups);
}

// Step `step`'s random gradients; parameter 2 has none on odd steps, parameter 3 none on step 0.
void step_adamw(torch::optim::AdamW& optimizer, const std::vector<torch::Tensor>& parameters, int64_t step) {
  torch::manual_seed(100 + step);
  for (size_t i = 0; i < parameters.size(); ++i) {
    torch::Tensor grad = torch::randn(parameters[i].sizes());
    const bool skipped = (i == 2 && step % 2 == 1) || (i == 3 && step == 0);
    parameters[i].mutable_grad() = skipped ? torch::Tensor() : grad;
  }
  optimizer.step();
}

void expect_same_adamw(const torch::optim::AdamW& a, const std::vector<torch::Tensor>& a_parameters,
                       const torch::optim::AdamW& b, const std::vector<torch::Tensor>& b_parameters) {
  EXPECT_EQ(a.state().size(), b.state().size());
  for (size_t i = 0; i < a_parameters.size(); ++i) {
    // Both do the same elementwise ops in the same order, so the values match bit for bit.
    EXPECT_TRUE(torch::equal(a_parameters[i], b_parameters[i])) << "parameter " << i;
    const auto* a_state = find_adamw_state(a, a_parameters[i]);
    const auto* b_state = find_adamw_state(b, b_parameters[i]);
    ASSERT_TRUE(a_state && b_state) << "parameter " << i;
    EXPECT_EQ(a_state->step(), b_state->step()) << "parameter " << i;
    EXPECT_TRUE(torch::equal(a_state->exp_avg(), b_state->exp_avg())) << "parameter " << i;
    EXPECT_TRUE(torch::equal(a_state->exp_avg_sq(), b_state->exp_avg_sq())) << "parameter " << i;
    EXPECT_FALSE(a_state->max_exp_avg_sq().defined() || b_state->max_exp_avg_sq().defined());
  }
}

TEST(ForeachAdamW, MatchesLibtorchsAdamWWithParametersThatSkipSteps) {
  const auto foreach_parameters = adamw_parameters(), plain_parameters = adamw_parameters();
  auto foreach_adamw = make_test_adamw<ForeachAdamW>(foreach_parameters);
  auto plain_adamw = make_test_adamw<torch::optim::AdamW>(plain_parameters);
  for (int64_t step = 0; step < 5; ++step) {
    step_adamw(*foreach_adamw, foreach_parameters, step);
    step_adamw(*plain_adamw, plain_parameters, step);
  }
  EXPECT_FALSE(torch::equal(foreach_parameters[0], adamw_parameters()[0]));
  EXPECT_EQ(find_adamw_state(*foreach_adamw, foreach_parameters[2])->step(), 3);
  EXPECT_EQ(find_adamw_state(*foreach_adamw, foreach_parameters[3])->step(), 4);
  expect_same_adamw(*foreach_adamw, foreach_parameters, *plain_adamw, plain_parameters);
}

// Two steps with `First`, its state saved and loaded into a `Second` over copies of the parameters, three more steps.
template <typename First, typename Second>
void resume_adamw(std::vector<torch::Tensor>& parameters, std::unique_ptr<torch::optim::AdamW>& optimizer) {
  parameters = adamw_parameters();
  auto first = make_test_adamw<First>(parameters);
  for (int64_t step = 0; step < 2; ++step) step_adamw(*first, parameters, step);
  torch::serialize::OutputArchive saved;
  first->save(saved);
  std::stringstream bytes;
  saved.save_to(bytes);
  for (auto& p : parameters) p = p.detach().clone().requires_grad_();
  optimizer = make_test_adamw<Second>(parameters);
  torch::serialize::InputArchive loaded;
  loaded.load_from(bytes);
  optimizer->load(loaded);
  for (int64_t step = 2; step < 5; ++step) step_adamw(*optimizer, parameters, step);
}

TEST(ForeachAdamW, ResumesFromLibtorchsAdamWStateAndBack) {
  const auto reference_parameters = adamw_parameters();
  auto reference = make_test_adamw<torch::optim::AdamW>(reference_parameters);
  for (int64_t step = 0; step < 5; ++step) step_adamw(*reference, reference_parameters, step);
  std::vector<torch::Tensor> parameters;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  resume_adamw<ForeachAdamW, torch::optim::AdamW>(parameters, optimizer);
  expect_same_adamw(*optimizer, parameters, *reference, reference_parameters);
  resume_adamw<torch::optim::AdamW, ForeachAdamW>(parameters, optimizer);
  expect_same_adamw(*optimizer, parameters, *reference, reference_parameters);
}

}  // namespace

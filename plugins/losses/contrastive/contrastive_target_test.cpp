#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include "rank_equivalence.hpp"
#include "reference_loops.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using mmkd::testing::expect_error_naming;
using mmkd::testing::expect_ranks_match_one_process;

std::shared_ptr<mmkd::Loss> make_contrastive_target(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Loss>("contrastive_target", options);
}

mmkd::TensorMap batch(int64_t rows, int64_t dim, torch::Dtype dtype = torch::kFloat) {
  return {{"image", torch::randn({rows, dim}, dtype)},
          {"text", torch::randn({rows, dim}, dtype)},
          {"teacher", torch::randn({rows, dim}, dtype)}};
}

using mmkd::testing::metric;

TEST(ContrastiveTarget, HandCaseWithoutBank) {
  // Teacher and student images are one-hot, so L^v = I; the texts (2, 1) and (1, 0.5) both lie
  // at cosines (2, 1) / sqrt(5) to the two teacher targets.
  auto loss = make_contrastive_target("{bank_size: 0}");
  torch::Tensor eye = torch::eye(2);
  torch::Tensor text = torch::tensor({2.0, 1.0, 1.0, 0.5}).reshape({2, 2});
  mmkd::LossOutput out = loss->compute({{"image", eye}, {"text", text}, {"teacher", eye}});
  const double gap = 1 / std::sqrt(5.0);
  const double t2i = (std::log(1 + std::exp(-gap)) + std::log(1 + std::exp(gap))) / 2;
  const double i2i = std::log(1 + std::exp(-1.0));
  EXPECT_NEAR(metric(out, "t2i_loss"), t2i, 1e-6);
  EXPECT_NEAR(metric(out, "i2i_loss"), i2i, 1e-6);
  EXPECT_NEAR(out.loss.item<double>(), (t2i + i2i) / 2, 1e-6);
  EXPECT_NEAR(metric(out, "t2i_acc"), 0.5, 1e-7);
  EXPECT_NEAR(metric(out, "i2i_acc"), 1.0, 1e-7);
  EXPECT_EQ(metric(out, "bank_fill"), 0.0);
  EXPECT_NEAR(metric(out, "temperature"), 1.0, 1e-7);
  EXPECT_TRUE(loss->named_buffers().is_empty());
  EXPECT_FALSE(loss->named_parameters()["logit_scale"].requires_grad());
}

TEST(ContrastiveTarget, MatchesLoopImplementationWhileTheBankFillsAndWraps) {
  torch::manual_seed(10);
  auto loss = make_contrastive_target("{bank_size: 5, dim: 3, init_temperature: 0.5}");
  reference::Rows bank;
  for (int step = 0; step < 4; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    mmkd::TensorMap inputs = batch(2, 3);
    mmkd::LossOutput out = loss->compute(inputs);
    const reference::Rows targets = reference::unit_rows(inputs["teacher"]);
    const reference::Rows columns = reference::concat(targets, bank);  // Eq. 84
    const reference::Rows texts = reference::unit_rows(inputs["text"]), images = reference::unit_rows(inputs["image"]);
    const double t2i = reference::info_nce(texts, columns, 2.0), i2i = reference::info_nce(images, columns, 2.0);
    EXPECT_NEAR(metric(out, "t2i_loss"), t2i, 1e-5);
    EXPECT_NEAR(metric(out, "i2i_loss"), i2i, 1e-5);
    EXPECT_NEAR(out.loss.item<double>(), (t2i + i2i) / 2, 1e-5);
    EXPECT_NEAR(metric(out, "t2i_acc"), reference::top1(texts, columns), 1e-7);
    EXPECT_NEAR(metric(out, "i2i_acc"), reference::top1(images, columns), 1e-7);
    bank = reference::newest(reference::concat(bank, targets), 5);
    EXPECT_EQ(metric(out, "bank_fill"), static_cast<double>(bank.size()));
  }
}

TEST(ContrastiveTarget, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(11);
  auto loss = make_contrastive_target("{bank_size: 4, dim: 3, init_temperature: 0.3, learn_temperature: true}");
  loss->to(torch::kDouble);
  loss->compute(batch(3, 3, torch::kDouble));  // fills the bank
  loss->eval();
  mmkd::TensorMap inputs = batch(3, 3, torch::kDouble);
  torch::Tensor image = inputs["image"].requires_grad_(), text = inputs["text"].requires_grad_();
  torch::Tensor teacher = inputs["teacher"].requires_grad_();
  torch::Tensor logit_scale = loss->named_parameters()["logit_scale"];
  auto f = [&] { return loss->compute({{"image", image}, {"text", text}, {"teacher", teacher}}).loss; };
  mmkd::testing::expect_gradients_match_finite_differences(
      f, {{"image", image}, {"text", text}, {"logit_scale", logit_scale}}, 1e-5, 1e-7);
  f().backward();
  EXPECT_FALSE(teacher.grad().defined()) << "the teacher targets are constants";
}

TEST(ContrastiveTarget, RanksOnSlicesMatchOneProcessOnTheBatch) {
  torch::manual_seed(12);
  for (int world : {2, 3}) {
    std::vector<mmkd::TensorMap> steps;
    for (int step = 0; step < 3; ++step) steps.push_back(batch(2 * world, 3, torch::kDouble));
    expect_ranks_match_one_process("contrastive_target",
                                   "{bank_size: 8, dim: 3, init_temperature: 0.2, learn_temperature: true}", steps,
                                   {"image", "text"}, world);
  }
}

TEST(ContrastiveTarget, RestoredBankContinuesIdentically) {
  torch::manual_seed(13);
  const std::string options = "{bank_size: 6, dim: 4, learn_temperature: true}";
  auto original = make_contrastive_target(options);
  for (int step = 0; step < 2; ++step) original->compute(batch(4, 4));
  auto restored = make_contrastive_target(options), fresh = make_contrastive_target(options);
  mmkd::testing::copy_state(*original, *restored);
  for (int step = 0; step < 2; ++step) {
    mmkd::TensorMap inputs = batch(4, 4);
    mmkd::LossOutput expected = original->compute(inputs), got = restored->compute(inputs);
    EXPECT_EQ(got.loss.item<double>(), expected.loss.item<double>());
    for (const auto& [name, value] : expected.metrics) EXPECT_EQ(metric(got, name), value.item<double>()) << name;
    EXPECT_NE(fresh->compute(inputs).loss.item<double>(), expected.loss.item<double>());
  }
}

TEST(ContrastiveTarget, EvalModeLeavesTheBankUnchanged) {
  torch::manual_seed(14);
  auto loss = make_contrastive_target("{bank_size: 6, dim: 4}");
  loss->compute(batch(2, 4));
  const torch::Tensor rows = loss->named_buffers()["memory_bank.rows"].clone();
  loss->eval();
  EXPECT_EQ(metric(loss->compute(batch(2, 4)), "bank_fill"), 2.0);
  EXPECT_TRUE(torch::equal(loss->named_buffers()["memory_bank.rows"], rows));
  EXPECT_EQ(loss->named_buffers()["memory_bank.pushed"].item<int64_t>(), 2);
  loss->train();
  EXPECT_EQ(metric(loss->compute(batch(2, 4)), "bank_fill"), 4.0);
}

TEST(ContrastiveTarget, ShapeAndDimErrorsNameThePorts) {
  auto loss = make_contrastive_target("{bank_size: 4, dim: 32}");
  mmkd::TensorMap inputs = batch(2, 16);
  expect_error_naming([&] { loss->compute(inputs); }, {"contrastive_target", "`teacher`", "[2, 16]", "`dim: 32`"});
  inputs["teacher"] = torch::randn({3, 16});
  expect_error_naming([&] { loss->compute(inputs); },
                      {"contrastive_target", "`image` [2, 16]", "`text` [2, 16]", "`teacher` [3, 16]"});
  inputs.erase("teacher");
  EXPECT_THROW(loss->compute(inputs), mmkd::Error);
  EXPECT_NO_THROW(make_contrastive_target("{bank_size: 0, dim: 32}")->compute(batch(2, 16)));
  EXPECT_THROW(make_contrastive_target("{bank_size: -1}"), mmkd::ConfigError);
  EXPECT_THROW(make_contrastive_target("{dim: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_contrastive_target("{init_temperature: 0}"), mmkd::ConfigError);
}

TEST(ContrastiveTarget, Bfloat16FeaturesGiveAFloat32Loss) {
  torch::manual_seed(15);
  auto loss = make_contrastive_target("{bank_size: 4, dim: 8}");
  mmkd::TensorMap inputs = batch(2, 8);
  mmkd::TensorMap bf16;
  for (const auto& [port, tensor] : inputs) bf16[port] = tensor.to(torch::kBFloat16);
  mmkd::LossOutput out = loss->compute(bf16);
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  const reference::Rows targets = reference::unit_rows(bf16["teacher"].to(torch::kFloat));
  const double expected = (reference::info_nce(reference::unit_rows(bf16["text"].to(torch::kFloat)), targets, 1.0) +
                           reference::info_nce(reference::unit_rows(bf16["image"].to(torch::kFloat)), targets, 1.0)) / 2;
  EXPECT_NEAR(out.loss.item<double>(), expected, 1e-5);
  EXPECT_EQ(metric(out, "bank_fill"), 2.0);
}

}  // namespace

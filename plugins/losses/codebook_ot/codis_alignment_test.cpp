#include "codis_alignment_math.hpp"
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

namespace cb = mmkd::codebook_ot;
namespace ref = codis_reference;
using mmkd::testing::buffer_values;
using mmkd::testing::expect_buffers_equal;
using mmkd::testing::expect_ranks_match_one_process;

std::shared_ptr<mmkd::Loss> make_codis_alignment(const std::string& options) {
  auto loss = mmkd::testing::make<mmkd::Kind::Loss>("codis_alignment", options);
  loss->to(torch::kDouble);
  return loss;
}

mmkd::TensorMap random_codis_inputs(int64_t batch, int64_t dim) {
  return {{"image", torch::randn({batch, dim}, torch::kDouble)},
          {"text", torch::randn({batch, dim}, torch::kDouble)},
          {"image_momentum", torch::randn({batch, dim}, torch::kDouble)},
          {"text_momentum", torch::randn({batch, dim}, torch::kDouble)}};
}

// Unit rows, then the newest `capacity` rows of `queue` after appending them.
void push_rows(ref::Matrix& queue, const ref::Matrix& rows, size_t capacity) {
  for (ref::Vector row : rows) {
    double norm = 0;
    for (double e : row) norm += e * e;
    for (double& e : row) e /= std::sqrt(norm);
    queue.push_back(row);
  }
  while (queue.size() > capacity) queue.erase(queue.begin());
}

TEST(CodisAlignment, MatchesLoopImplementationAsTheQueuesFill) {
  torch::manual_seed(0);
  const std::string options = "{dim: 3, queue_size: 5, init_temperature: 0.1, distill_alpha: 0.4, intra_weight: 0.5, "
                              "cross_weight: 2}";
  auto loss = make_codis_alignment(options);
  const double temperature = loss->named_parameters()["temperature"].item<double>();  // 0.1 rounded to float
  ref::Matrix image_queue, text_queue;
  for (int step = 0; step < 3; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const mmkd::TensorMap in = random_codis_inputs(3, 3);
    const ref::Matrix image_m = ref::to_matrix(in.at("image_momentum")), text_m = ref::to_matrix(in.at("text_momentum"));
    const ref::AlignmentParts expected = ref::alignment_loss(ref::to_matrix(in.at("image")), ref::to_matrix(in.at("text")),
                                                             image_m, text_m, image_queue, text_queue, temperature, 0.4);
    const mmkd::LossOutput out = loss->compute(in);
    EXPECT_NEAR(out.metrics.at("i2t").item<double>(), expected.i2t, 1e-12);
    EXPECT_NEAR(out.metrics.at("t2i").item<double>(), expected.t2i, 1e-12);
    EXPECT_NEAR(out.metrics.at("i2i").item<double>(), expected.i2i, 1e-12);
    EXPECT_NEAR(out.metrics.at("t2t").item<double>(), expected.t2t, 1e-12);
    EXPECT_NEAR(out.loss.item<double>(),
                0.5 * (expected.i2i + expected.t2t) + 2 * (expected.i2t + expected.t2i), 1e-12);
    EXPECT_EQ(out.metrics.at("queue_rows").item<double>(), static_cast<double>(image_queue.size()));
    push_rows(image_queue, image_m, 5);
    push_rows(text_queue, text_m, 5);
  }
}

TEST(CodisAlignment, HandCaseOfOneHotTargets) {
  // Every feature is e1 or e2 and the queues are empty: each logit row is [1, 0] / 0.5 with its
  // pair first, so each of the four terms is log(1 + e^-2).
  auto loss = make_codis_alignment("{dim: 2, queue_size: 4, init_temperature: 0.5, distill_alpha: 0}");
  const torch::Tensor eye = torch::eye(2, torch::kDouble);
  const mmkd::LossOutput out =
      loss->compute({{"image", eye}, {"text", eye}, {"image_momentum", eye}, {"text_momentum", eye}});
  EXPECT_NEAR(out.loss.item<double>(), 4 * std::log(1 + std::exp(-2.0)), 1e-12);
  EXPECT_NEAR(out.metrics.at("i2t_acc").item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(out.metrics.at("t2i_acc").item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(out.metrics.at("temperature").item<double>(), 0.5, 1e-7);
}

TEST(CodisAlignment, TargetsMixTeacherAndPair) {
  // Teacher rows e1, e2 against candidates e1, e2 at temperature 1: softmax([1, 0]) per row.
  const torch::Tensor eye = torch::eye(2, torch::kDouble);
  const torch::Tensor y = cb::distillation_targets(eye, eye, torch::tensor({1, 0}, torch::kLong),
                                                   torch::tensor(1.0, torch::kDouble), 0.25);
  const double high = std::exp(1.0) / (std::exp(1.0) + 1), low = 1 - high;
  const torch::Tensor expected =
      torch::tensor({0.25 * high, 0.25 * low + 0.75, 0.25 * low + 0.75, 0.25 * high}, torch::kDouble).reshape({2, 2});
  EXPECT_TRUE(torch::allclose(y, expected, 0, 1e-14)) << y;
}

TEST(CodisAlignment, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(1);
  for (double alpha : {0.4, 0.0}) {
    auto loss = make_codis_alignment("{dim: 3, queue_size: 8, init_temperature: 0.2, distill_alpha: " + std::to_string(alpha) + "}");
    loss->compute(random_codis_inputs(3, 3));  // fills the queues
    loss->eval();
    mmkd::TensorMap inputs = random_codis_inputs(3, 3);
    inputs["image"].requires_grad_();
    inputs["text"].requires_grad_();
    torch::Tensor temperature = loss->named_parameters()["temperature"];
    auto f = [&] { return loss->compute(inputs).loss; };
    // The targets use the temperature too (without gradient), so it is checked where they do not.
    mmkd::testing::NamedLeaves leaves = {{"image", inputs["image"]}, {"text", inputs["text"]}};
    if (alpha == 0.0) leaves.emplace_back("temperature", temperature);
    SCOPED_TRACE("alpha " + std::to_string(alpha));
    mmkd::testing::expect_gradients_match_finite_differences(f, leaves);
  }
}

TEST(CodisAlignment, MomentumFeaturesGetNoGradient) {
  auto loss = make_codis_alignment("{dim: 3, queue_size: 8}");
  mmkd::TensorMap inputs = random_codis_inputs(3, 3);
  inputs["image_momentum"].requires_grad_();
  inputs["text_momentum"].requires_grad_();
  inputs["image"].requires_grad_();
  loss->compute(inputs).loss.backward();
  EXPECT_TRUE(inputs["image"].grad().defined());
  EXPECT_FALSE(inputs["image_momentum"].grad().defined());
  EXPECT_FALSE(inputs["text_momentum"].grad().defined());
}

TEST(CodisAlignment, TrainingPushesUnitMomentumRowsAndEvalLeavesQueues) {
  torch::manual_seed(2);
  auto loss = make_codis_alignment("{dim: 3, queue_size: 8}");
  const mmkd::TensorMap first = random_codis_inputs(3, 3);
  loss->compute(first);
  const torch::Tensor image_rows = loss->named_buffers()["image_queue.rows"].narrow(0, 0, 3);
  const torch::Tensor text_rows = loss->named_buffers()["text_queue.rows"].narrow(0, 0, 3);
  const torch::Tensor image_m = first.at("image_momentum"), text_m = first.at("text_momentum");
  EXPECT_TRUE(torch::allclose(image_rows, image_m / image_m.norm(2, 1, true), 0, 1e-14));
  EXPECT_TRUE(torch::allclose(text_rows, text_m / text_m.norm(2, 1, true), 0, 1e-14));

  loss->eval();
  const auto before = buffer_values(*loss);
  const mmkd::LossOutput out = loss->compute(random_codis_inputs(3, 3));
  EXPECT_EQ(out.metrics.at("queue_rows").item<double>(), 3.0);
  expect_buffers_equal(*loss, before);
  loss->train();
  loss->compute(random_codis_inputs(3, 3));
  EXPECT_EQ(loss->named_buffers()["image_queue.pushed"].item<int64_t>(), 6);
}

TEST(CodisAlignment, QueuesRestoredFromBuffersContinueIdentically) {
  torch::manual_seed(3);
  const std::string options = "{dim: 3, queue_size: 5}";
  auto original = make_codis_alignment(options);
  for (int step = 0; step < 3; ++step) original->compute(random_codis_inputs(2, 3));
  auto restored = make_codis_alignment(options);
  mmkd::testing::copy_state(*original, *restored);
  for (int step = 0; step < 2; ++step) {
    const mmkd::TensorMap inputs = random_codis_inputs(2, 3);
    EXPECT_EQ(original->compute(inputs).loss.item<double>(), restored->compute(inputs).loss.item<double>());
    expect_buffers_equal(*restored, buffer_values(*original));
  }
  auto fresh = make_codis_alignment(options);
  const mmkd::TensorMap inputs = random_codis_inputs(2, 3);
  EXPECT_NE(original->compute(inputs).loss.item<double>(), fresh->compute(inputs).loss.item<double>());
}

TEST(CodisAlignment, Bfloat16InputsGiveAFloat32Loss) {
  torch::manual_seed(4);
  auto loss = mmkd::testing::make<mmkd::Kind::Loss>("codis_alignment", "{dim: 3, queue_size: 8}");
  for (int step = 0; step < 2; ++step) {
    mmkd::TensorMap inputs = random_codis_inputs(4, 3);
    for (auto& [port, tensor] : inputs) tensor = tensor.to(torch::kBFloat16);
    const mmkd::LossOutput out = loss->compute(inputs);
    EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
    EXPECT_TRUE(std::isfinite(out.loss.item<double>()));
  }
}

TEST(CodisAlignment, ShapeErrorsNamePortsAndShapes) {
  auto loss = make_codis_alignment("{dim: 3, queue_size: 8}");
  mmkd::TensorMap inputs = random_codis_inputs(4, 3);
  inputs["image"] = torch::randn({4, 3, 1}, torch::kDouble);
  mmkd::testing::expect_error_naming([&] { loss->compute(inputs); }, {"codis_alignment", "`image`", "`text_momentum`",
                                                                       "[B, 3]", "image [4, 3, 1]"});
  inputs["image"] = torch::randn({4, 3}, torch::kDouble);
  inputs["text"] = torch::randn({3, 3}, torch::kDouble);
  EXPECT_THROW(loss->compute(inputs), mmkd::Error);
  inputs.erase("text");
  EXPECT_THROW(loss->compute(inputs), mmkd::Error);
}

TEST(CodisAlignment, BadOptionsAreConfigErrors) {
  for (const char* options : {"{queue_size: 0}", "{dim: 0}", "{distill_alpha: 1.5}", "{intra_weight: -1}",
                              "{init_temperature: 0}", "{init_temperature: 0.0001}", "{temprature: 0.1}"})
    EXPECT_THROW(mmkd::testing::make<mmkd::Kind::Loss>("codis_alignment", options), mmkd::ConfigError) << options;
}

TEST(CodisAlignment, RanksMatchOneProcess) {
  torch::manual_seed(5);
  const std::vector<mmkd::TensorMap> steps = {random_codis_inputs(4, 3), random_codis_inputs(4, 3), random_codis_inputs(4, 3)};
  expect_ranks_match_one_process("codis_alignment", "{dim: 3, queue_size: 6, init_temperature: 0.2}", steps,
                                 {"image", "text"}, 2);
}

}  // namespace

#include "codebook_ot_math.hpp"
#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include "rank_equivalence.hpp"
#include "reference_loops.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/autograd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

namespace cb = mmkd::codebook_ot;
namespace ref = codis_reference;
using mmkd::testing::expect_ranks_match_one_process;

const char* kSmall = "{num_codewords: 5, dim: 3, epsilon: 0.3, outer_iterations: 20, inner_iterations: 2, "
                     "init_temperature: 0.1";

std::shared_ptr<mmkd::Loss> make_loss(const std::string& extra = "") {
  auto loss = mmkd::testing::make<mmkd::Kind::Loss>("codebook_ot", std::string(kSmall) + extra + "}");
  loss->to(torch::kDouble);
  return loss;
}

torch::Tensor parameter(mmkd::Loss& loss, const std::string& name) { return loss.named_parameters()[name]; }

void set_parameter(mmkd::Loss& loss, const std::string& name, const torch::Tensor& value) {
  torch::NoGradGuard no_grad;
  parameter(loss, name).copy_(value);
}

mmkd::TensorMap random_inputs(int64_t batch, int64_t dim) {
  return {{"image", torch::randn({batch, dim}, torch::kDouble)},
          {"text", torch::randn({batch, dim}, torch::kDouble)},
          {"image_momentum", torch::randn({batch, dim}, torch::kDouble)},
          {"text_momentum", torch::randn({batch, dim}, torch::kDouble)}};
}

// The loop implementation with `loss`' codebook and temperature (0.1 rounded to float).
ref::CodebookParts loop_parts(const mmkd::TensorMap& in, mmkd::Loss& loss, bool swapped) {
  return ref::codebook_loss(ref::to_matrix(in.at("image")), ref::to_matrix(in.at("text")),
                            ref::to_matrix(in.at("image_momentum")), ref::to_matrix(in.at("text_momentum")),
                            ref::to_matrix(parameter(loss, "codebook")), parameter(loss, "temperature").item<double>(),
                            0.3, 20, 2, swapped);
}

TEST(CodebookOt, MatchesLoopImplementation) {
  torch::manual_seed(0);
  const mmkd::TensorMap inputs = random_inputs(4, 3);
  for (bool swapped : {false, true}) {
    auto loss = make_loss(swapped ? ", plan_targets: swapped" : "");
    const ref::CodebookParts expected = loop_parts(inputs, *loss, swapped);
    const mmkd::LossOutput out = loss->compute(inputs);
    EXPECT_NEAR(out.metrics.at("ot_image").item<double>(), expected.ot_image, 1e-12);
    EXPECT_NEAR(out.metrics.at("ot_text").item<double>(), expected.ot_text, 1e-12);
    EXPECT_NEAR(out.metrics.at("tp").item<double>(), expected.tp, 1e-12);
    EXPECT_NEAR(out.metrics.at("ip").item<double>(), expected.ip, 1e-12);
    EXPECT_NEAR(out.loss.item<double>(), expected.ot_image + expected.ot_text + expected.tp + expected.ip, 1e-12);
    EXPECT_NE(expected.tp, expected.ip);
  }
}

TEST(CodebookOt, WeightsScaleEachPart) {
  torch::manual_seed(1);
  const mmkd::TensorMap inputs = random_inputs(3, 3);
  auto loss = make_loss(", ot_weight: 0.5, tp_weight: 2, ip_weight: 0");
  const ref::CodebookParts expected = loop_parts(inputs, *loss, false);
  const mmkd::LossOutput out = loss->compute(inputs);
  EXPECT_NEAR(out.loss.item<double>(), 0.5 * (expected.ot_image + expected.ot_text) + 2 * expected.tp, 1e-12);
  EXPECT_NEAR(out.metrics.at("ip").item<double>(), expected.ip, 1e-12);
}

TEST(CodebookOt, HandCaseWithFeaturesOnTheCodewords) {
  // Codewords e1, e2; image momentum rows e1, e2 (plan = I / 2) and text momentum rows e2, e1
  // (plan = anti-diagonal / 2). A student row e_i predicts softmax([1, 0] / 0.5) over the codewords.
  const torch::Tensor eye = torch::eye(2, torch::kDouble), flipped = eye.flip(0);
  const mmkd::TensorMap inputs = {
      {"image", eye}, {"text", eye}, {"image_momentum", eye}, {"text_momentum", flipped}};
  const double right = std::log(1 + std::exp(-2.0)), wrong = std::log(1 + std::exp(2.0));
  for (bool swapped : {false, true}) {
    auto loss = mmkd::testing::make<mmkd::Kind::Loss>(
        "codebook_ot", std::string("{num_codewords: 2, dim: 2, init_temperature: 0.5, outer_iterations: 100") +
                           (swapped ? ", plan_targets: swapped}" : "}"));
    loss->to(torch::kDouble);
    set_parameter(*loss, "codebook", eye);
    const mmkd::LossOutput out = loss->compute(inputs);
    EXPECT_NEAR(out.metrics.at("ot_image").item<double>(), 0.0, 1e-9);
    EXPECT_NEAR(out.metrics.at("ot_text").item<double>(), 0.0, 1e-9);
    EXPECT_NEAR(out.metrics.at("tp").item<double>(), swapped ? right : wrong, 1e-9);
    EXPECT_NEAR(out.metrics.at("ip").item<double>(), swapped ? wrong : right, 1e-9);
    EXPECT_NEAR(out.metrics.at("plan_marginal_error").item<double>(), 0.0, 1e-9);
    EXPECT_NEAR(out.metrics.at("temperature").item<double>(), 0.5, 1e-7);
  }
}

TEST(CodebookOt, CoreFunctionsMatchLoops) {
  torch::manual_seed(2);
  const torch::Tensor features = torch::randn({4, 3}, torch::kDouble), codebook = torch::randn({5, 3}, torch::kDouble);
  const torch::Tensor plan = torch::rand({4, 5}, torch::kDouble);
  const torch::Tensor cost = cb::cosine_cost(features, codebook);
  const ref::Matrix f = ref::to_matrix(features), c = ref::to_matrix(codebook), T = ref::to_matrix(plan);
  double transport = 0, cross_entropy = 0;
  for (int i = 0; i < 4; ++i) {
    double row_mass = 0, normaliser = 0;
    for (int j = 0; j < 5; ++j) row_mass += T[i][j], normaliser += std::exp(ref::cosine(f[i], c[j]) / 0.2);
    for (int j = 0; j < 5; ++j) {
      EXPECT_NEAR(cost[i][j].item<double>(), 1 - ref::cosine(f[i], c[j]), 1e-14);
      transport += T[i][j] * (1 - ref::cosine(f[i], c[j]));
      cross_entropy -= T[i][j] / row_mass * std::log(std::exp(ref::cosine(f[i], c[j]) / 0.2) / normaliser) / 4;
    }
  }
  EXPECT_NEAR(cb::transport_cost(plan, cost).item<double>(), transport, 1e-12);
  EXPECT_NEAR(cb::prototype_cross_entropy(features, codebook, plan, torch::tensor(0.2, torch::kDouble)).item<double>(),
              cross_entropy, 1e-12);
}

TEST(CodebookOt, CoreFunctionGradientsWithAConstantPlan) {
  torch::manual_seed(3);
  torch::Tensor features = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  torch::Tensor student = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  torch::Tensor codebook = torch::randn({5, 3}, torch::kDouble).requires_grad_();
  torch::Tensor temperature = torch::tensor(0.3, torch::kDouble).requires_grad_();
  const torch::Tensor plan = torch::rand({4, 5}, torch::kDouble);
  auto f = [&] {
    return cb::transport_cost(plan, cb::cosine_cost(features, codebook)) +
           cb::prototype_cross_entropy(student, codebook, plan, temperature);
  };
  mmkd::testing::expect_gradients_match_finite_differences(
      f, {{"features", features}, {"student", student}, {"codebook", codebook}, {"temperature", temperature}});
}

TEST(CodebookOt, LossGradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(4);
  auto loss = make_loss(", plan_targets: swapped");
  mmkd::TensorMap inputs = random_inputs(4, 3);
  inputs["image"].requires_grad_();
  inputs["text"].requires_grad_();
  torch::Tensor codebook = parameter(*loss, "codebook"), temperature = parameter(*loss, "temperature");
  auto f = [&] { return loss->compute(inputs).loss; };

  // Student features and temperature leave the plans unchanged.
  mmkd::testing::expect_gradients_match_finite_differences(
      f, {{"image", inputs["image"]}, {"text", inputs["text"]}, {"temperature", temperature}});

  // The codebook also moves the plans: compare with the loss at the plans held constant.
  const torch::Tensor image_plan = cb::codebook_losses(inputs["image"], inputs["text"], inputs["image_momentum"],
                                                       inputs["text_momentum"], codebook, temperature.detach(),
                                                       {0.3, 20, 2}, true, 0).image_plan;
  const torch::Tensor text_plan = cb::codebook_losses(inputs["image"], inputs["text"], inputs["image_momentum"],
                                                      inputs["text_momentum"], codebook, temperature.detach(),
                                                      {0.3, 20, 2}, true, 0).text_plan;
  auto at_constant_plans = [&] {
    return cb::transport_cost(image_plan, cb::cosine_cost(inputs["image_momentum"], codebook)) +
           cb::transport_cost(text_plan, cb::cosine_cost(inputs["text_momentum"], codebook)) +
           cb::prototype_cross_entropy(inputs["text"], codebook, image_plan, temperature) +
           cb::prototype_cross_entropy(inputs["image"], codebook, text_plan, temperature);
  };
  const torch::Tensor codebook_grad = torch::autograd::grad({f()}, {codebook})[0];
  EXPECT_TRUE(torch::allclose(codebook_grad, mmkd::testing::numeric_gradient(at_constant_plans, codebook), 1e-5, 1e-8));
}

TEST(CodebookOt, MomentumFeaturesGetOnlyTheTransportCostGradient) {
  torch::manual_seed(5);
  auto loss = make_loss();
  mmkd::TensorMap inputs = random_inputs(3, 3);
  inputs["image_momentum"].requires_grad_();
  const torch::Tensor grad = torch::autograd::grad({loss->compute(inputs).loss}, {inputs["image_momentum"]})[0];
  // Only L_ot(Z_v^m, C) reaches the image momentum features: d<T, 1 - cos(Z, C)>/dZ with T constant.
  torch::Tensor z = inputs["image_momentum"].detach().clone().requires_grad_();
  const torch::Tensor plan = cb::codebook_losses(inputs["image"], inputs["text"], z, inputs["text_momentum"],
                                                 parameter(*loss, "codebook"), torch::tensor(0.1, torch::kDouble),
                                                 {0.3, 20, 2}, false, 0).image_plan;
  const torch::Tensor expected =
      torch::autograd::grad({cb::transport_cost(plan, cb::cosine_cost(z, parameter(*loss, "codebook")))}, {z})[0];
  EXPECT_TRUE(torch::allclose(grad, expected, 1e-10, 1e-12));
}

TEST(CodebookOt, ParametersRestoreTheSameLoss) {
  torch::manual_seed(6);
  const mmkd::TensorMap inputs = random_inputs(4, 3);
  auto original = make_loss(), restored = make_loss();
  EXPECT_NE(original->compute(inputs).loss.item<double>(), restored->compute(inputs).loss.item<double>());
  mmkd::testing::copy_parameters(*original, *restored);
  EXPECT_EQ(original->compute(inputs).loss.item<double>(), restored->compute(inputs).loss.item<double>());
}

TEST(CodebookOt, CodebookIsLearnableAndTemperatureOptional) {
  auto loss = make_loss(", learn_temperature: false");
  EXPECT_TRUE(parameter(*loss, "codebook").requires_grad());
  EXPECT_EQ(parameter(*loss, "codebook").sizes(), torch::IntArrayRef({5, 3}));
  EXPECT_FALSE(parameter(*loss, "temperature").requires_grad());
}

TEST(CodebookOt, Bfloat16InputsGiveAFloat32Loss) {
  torch::manual_seed(7);
  auto loss = mmkd::testing::make<mmkd::Kind::Loss>("codebook_ot", std::string(kSmall) + "}");
  mmkd::TensorMap inputs = random_inputs(4, 3);
  for (auto& [port, tensor] : inputs) tensor = tensor.to(torch::kBFloat16);
  const mmkd::LossOutput out = loss->compute(inputs);
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_TRUE(std::isfinite(out.loss.item<double>()));
}

// float64 inputs against the float32 codebook (as every other loss takes them): the loss of the
// codebook widened to float64.
TEST(CodebookOt, Float64InputsMeetAFloat32Codebook) {
  torch::manual_seed(8);
  auto loss = mmkd::testing::make<mmkd::Kind::Loss>("codebook_ot", std::string(kSmall) + "}");
  auto widened = make_loss();
  set_parameter(*widened, "codebook", parameter(*loss, "codebook").to(torch::kDouble));
  set_parameter(*widened, "temperature", parameter(*loss, "temperature").to(torch::kDouble));
  const mmkd::TensorMap inputs = random_inputs(4, 3);
  const mmkd::LossOutput out = loss->compute(inputs);
  EXPECT_EQ(out.loss.scalar_type(), torch::kDouble);
  EXPECT_NEAR(out.loss.item<double>(), widened->compute(inputs).loss.item<double>(), 1e-12);
}

TEST(CodebookOt, ShapeErrorsNamePortsAndShapes) {
  auto loss = make_loss();
  mmkd::TensorMap inputs = random_inputs(4, 3);
  inputs["text_momentum"] = torch::randn({4, 2}, torch::kDouble);
  mmkd::testing::expect_error_naming([&] { loss->compute(inputs); }, {"codebook_ot", "`text_momentum`", "[B, 3]",
                                                                       "text_momentum [4, 2]", "image [4, 3]"});
  inputs["text_momentum"] = torch::randn({5, 3}, torch::kDouble);
  EXPECT_THROW(loss->compute(inputs), mmkd::Error);
  inputs.erase("text_momentum");
  EXPECT_THROW(loss->compute(inputs), mmkd::Error);
}

TEST(CodebookOt, BadOptionsAreConfigErrors) {
  for (const char* options : {"{num_codewords: 0}", "{epsilon: 0}", "{outer_iterations: 0}", "{plan_targets: cross}",
                              "{init_temperature: 0.9}", "{min_temperature: 0.6}", "{tp_weight: -1}"})
    EXPECT_THROW(mmkd::testing::make<mmkd::Kind::Loss>("codebook_ot", options), mmkd::ConfigError) << options;
}

TEST(CodebookOt, RanksMatchOneProcess) {
  torch::manual_seed(8);
  std::vector<mmkd::TensorMap> steps = {random_inputs(4, 3), random_inputs(4, 3)};
  expect_ranks_match_one_process("codebook_ot", std::string(kSmall) + "}", steps, {"image", "text"}, 2);
  // Student features wired into the plan ports (the "student feature" ablation) get L_ot's gradient.
  for (auto& step : steps) step["image_momentum"] = step["image"], step["text_momentum"] = step["text"];
  expect_ranks_match_one_process("codebook_ot", std::string(kSmall) + ", plan_targets: swapped}", steps,
                                 {"image", "text", "image_momentum", "text_momentum"}, 2);
}

}  // namespace

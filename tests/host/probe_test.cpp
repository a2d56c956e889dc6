#include "cli/probe_command.hpp"
#include "expect_contains.hpp"
#include "mmkd_testing.hpp"

#include <mmkd/mmkd.hpp>

#include <gtest/gtest.h>

using mmkd::testing::TempDir;

namespace {

// y = x * scale + shift (+ offset)
class ScaleShift : public mmkd::Encoder {
 public:
  ScaleShift(const mmkd::Options& options, const mmkd::Context& context) : scale_(options.get<double>("scale")) {
    EXPECT_EQ(context.node_name, "probe");
    EXPECT_EQ(context.device, torch::kCPU);
    const int64_t dim = options.get<int64_t>("dim");
    shift_ = register_parameter("shift", options.get<bool>("random") ? torch::randn({dim})
                                                                     : torch::arange(dim, torch::kFloat32) * 0.5);
  }
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("scale_shift", "y = x * scale + shift")
        .option("dim", int64_t(2), "feature width", mmkd::positive())
        .option("scale", 1.0, "factor applied to x")
        .option("random", false, "shift drawn from N(0, 1)")
        .input("x", "features")
        .optional_input("offset", "integers added to y")
        .output("y", "scaled features");
  }
  mmkd::TensorMap forward(const mmkd::TensorMap& inputs) override {
    torch::Tensor y = mmkd::require(inputs, "x") * scale_ + shift_;
    if (inputs.count("offset")) y = y + inputs.at("offset");
    return {{"y", y}};
  }

 private:
  double scale_;
  torch::Tensor shift_;
};

// y = 2x, and whether it ran in training mode.
class Doubler : public mmkd::Teacher {
 public:
  Doubler(const mmkd::Options&, const mmkd::Context&) {}
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("doubler", "y = 2x").input("x", "features").output("y", "2x").output("training", "0 or 1");
  }
  mmkd::TensorMap forward(const mmkd::TensorMap& inputs) override {
    return {{"y", 2 * mmkd::require(inputs, "x")}, {"training", torch::tensor(int64_t(is_training()))}};
  }
};

// loss = x (not reduced: not a scalar), or x.mean() detached from x.
class BrokenLoss : public mmkd::Loss {
 public:
  BrokenLoss(const mmkd::Options& options, const mmkd::Context&) : detached_(options.get<bool>("detached")) {}
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("broken", "x itself, or its detached mean").input("x", "values").option("detached", false, "");
  }
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    const torch::Tensor& x = mmkd::require(inputs, "x");
    return {detached_ ? x.detach().mean() : x, {}};
  }

 private:
  bool detached_;
};

// loss = mean(x^2); metric max_abs = max |x|
class MeanSquare : public mmkd::Loss {
 public:
  MeanSquare(const mmkd::Options&, const mmkd::Context&) {}
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("mean_square", "mean of x^2").input("x", "values").output("max_abs", "max |x|");
  }
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    const torch::Tensor& x = mmkd::require(inputs, "x");
    return {x.pow(2).mean(), {{"max_abs", x.abs().max().detach()}}};
  }
};

class ProbeTest : public ::testing::Test {
 protected:
  ProbeTest() {
    registry.add<ScaleShift>();
    registry.add<Doubler>();
    registry.add<MeanSquare>();
    registry.add<BrokenLoss>();
  }

  mmkd::TensorMap probe(const std::string& component, const std::string& config, const mmkd::TensorMap& inputs,
                        uint64_t seed = 0) {
    mmkd::write_safetensors(dir.file("in.safetensors"), inputs);
    warnings = mmkd::run_probe(registry, {component, config, dir.file("in.safetensors"), dir.file("out.safetensors"), seed});
    return mmkd::read_safetensors(dir.file("out.safetensors"));
  }

  std::string probe_error(const std::string& component, const std::string& config, const mmkd::TensorMap& inputs) {
    try {
      probe(component, config, inputs);
    } catch (const mmkd::ConfigError& e) {
      return e.what();
    }
    return "no ConfigError";
  }

  mmkd::Registry registry;
  TempDir dir;
  std::vector<std::string> warnings;  // of the last probe
};

std::vector<std::string> keys_of(const mmkd::TensorMap& tensors) {
  std::vector<std::string> keys;
  for (const auto& [key, _] : tensors) keys.push_back(key);
  return keys;
}

TEST_F(ProbeTest, EncoderWritesOutputsAndInputGradients) {
  torch::Tensor x = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  mmkd::TensorMap out = probe("encoder/scale_shift", "{scale: 3}", {{"x", x}});
  EXPECT_EQ(keys_of(out), (std::vector<std::string>{"grad.x", "y"}));
  EXPECT_TRUE(torch::equal(out.at("y"), torch::tensor({{3.0f, 6.5f}, {9.0f, 12.5f}})));
  EXPECT_TRUE(torch::equal(out.at("grad.x"), torch::full({2, 2}, 3.0f)));
}

// Randomly initialised parameters come from --seed (default 0): the same probe twice gives the
// same outputs.
TEST_F(ProbeTest, RandomParametersFollowTheSeed) {
  const mmkd::TensorMap x{{"x", torch::ones({2, 2})}};
  torch::manual_seed(7);
  const torch::Tensor first = probe("encoder/scale_shift", "{random: true}", x).at("y");
  torch::manual_seed(8);
  EXPECT_TRUE(torch::equal(probe("encoder/scale_shift", "{random: true}", x).at("y"), first));
  EXPECT_FALSE(torch::equal(probe("encoder/scale_shift", "{random: true}", x, 1).at("y"), first));
}

// The checks of a training run: a loss must be a scalar; NaN outputs and a loss that does not
// depend on its inputs are reported.
TEST_F(ProbeTest, ChecksLossesAsRunDoes) {
  const mmkd::TensorMap x{{"x", torch::tensor({1.0f, 2.0f})}};
  try {
    probe("loss/broken", "{}", x);
    FAIL() << "a non-scalar loss was accepted";
  } catch (const mmkd::Error& e) {
    EXPECT_NE(std::string(e.what()).find("the loss is not a scalar tensor (shape [2])"), std::string::npos) << e.what();
  }
  probe("loss/broken", "{detached: true}", x);
  EXPECT_EQ(warnings, (std::vector<std::string>{"the loss does not depend on its inputs (detached?): no grad.* written"}));
  probe("loss/mean_square", "{}", {{"x", torch::tensor({1.0f, NAN})}});
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings[0].find("holds NaN or Inf"), warnings[0].size() - std::string("holds NaN or Inf").size());
  probe("loss/mean_square", "{}", x);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(ProbeTest, IntegerInputsGetNoGradient) {
  torch::Tensor x = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  torch::Tensor offset = torch::tensor({{1, 1}, {0, 0}}, torch::kInt64);
  mmkd::TensorMap out = probe("encoder/scale_shift", "", {{"x", x}, {"offset", offset}});
  EXPECT_EQ(keys_of(out), (std::vector<std::string>{"grad.x", "y"}));
  EXPECT_TRUE(torch::equal(out.at("y"), torch::tensor({{2.0f, 3.5f}, {3.0f, 4.5f}})));
  EXPECT_TRUE(torch::equal(out.at("grad.x"), torch::ones({2, 2})));
}

TEST_F(ProbeTest, TeacherRunsInEvalMode) {
  mmkd::TensorMap out = probe("teacher/doubler", "{}", {{"x", torch::tensor({1.0, -1.0}, torch::kFloat64)}});
  EXPECT_TRUE(torch::equal(out.at("y"), torch::tensor({2.0, -2.0}, torch::kFloat64)));
  EXPECT_EQ(out.at("training").item<int64_t>(), 0);
  EXPECT_TRUE(torch::equal(out.at("grad.x"), torch::full({2}, 2.0, torch::kFloat64)));
}

TEST_F(ProbeTest, LossWritesLossMetricsAndGradient) {
  torch::Tensor x = torch::tensor({{1.0f, -2.0f}, {3.0f, 0.5f}});
  mmkd::TensorMap out = probe("loss/mean_square", "{}", {{"x", x}});
  EXPECT_EQ(keys_of(out), (std::vector<std::string>{"grad.x", "loss", "metric.max_abs"}));
  EXPECT_FLOAT_EQ(out.at("loss").item<float>(), (1 + 4 + 9 + 0.25f) / 4);
  EXPECT_FLOAT_EQ(out.at("metric.max_abs").item<float>(), 3.0f);
  EXPECT_TRUE(torch::allclose(out.at("grad.x"), x / 2));
}

TEST_F(ProbeTest, UnknownTypeListsRegisteredTypesAndSuggestsTheClosest) {
  std::string error = probe_error("encoder/scale_shfit", "{}", {{"x", torch::ones({1})}});
  EXPECT_CONTAINS(error, "unknown encoder type `scale_shfit` (did you mean `scale_shift`?); encoder types: scale_shift");
}

TEST_F(ProbeTest, KindsThatCannotBeProbedAreExplained) {
  EXPECT_CONTAINS(probe_error("dataset/shapes", "{}", {}), "cannot probe a dataset: probe runs one component on tensors, so it takes encoder, teacher, loss");
  EXPECT_CONTAINS(probe_error("encodr/scale_shift", "{}", {}), "unknown kind `encodr` (did you mean `encoder`?)");
  EXPECT_CONTAINS(probe_error("scale_shift", "{}", {}), "expected KIND/TYPE, e.g. loss/clip_contrastive");
}

TEST_F(ProbeTest, BadOptionIsAConfigErrorAtTheConfigArgument) {
  std::string error = probe_error("encoder/scale_shift", "{scael: 2}", {{"x", torch::ones({2})}});
  EXPECT_CONTAINS(error, "--config");
  EXPECT_CONTAINS(error, "scael");
  EXPECT_CONTAINS(error, "scale");
  EXPECT_CONTAINS(probe_error("encoder/scale_shift", "{dim: 0}", {{"x", torch::ones({2})}}), "dim");
}

TEST_F(ProbeTest, MissingInputNamesThePortTheFileAndTheTensorsPresent) {
  std::string error = probe_error("encoder/scale_shift", "{}", {{"features", torch::ones({2})}, {"mask", torch::ones({2})}});
  EXPECT_CONTAINS(error, dir.file("in.safetensors") + ": x: no tensor for input `x` of encoder/scale_shift;");
  EXPECT_CONTAINS(error, "tensors in the file: features, mask");
}

}  // namespace

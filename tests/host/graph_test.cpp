#include "config/experiment_file.hpp"
#include "graph/experiment_plan.hpp"
#include "graph/graph.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace mmkd;

namespace {

// y = x W^T (no bias), a module that can be shared.
class Scale : public Encoder {
 public:
  static ComponentInfo info() {
    return ComponentInfo("test_linear", "y = x W^T").input("x", "features").output("y", "x W^T").option("dim", int64_t{3}, "width");
  }
  Scale(const Options& options, const Context&) {
    const auto dim = options.get<int64_t>("dim");
    weight = register_parameter("weight", torch::eye(dim) * 2.0);
  }
  TensorMap forward(const TensorMap& inputs) override { return {{"y", torch::matmul(require(inputs, "x"), weight.t())}}; }
  torch::Tensor weight;
};

class Source : public Dataset {
 public:
  static ComponentInfo info() {
    return ComponentInfo("test_source", "two feature vectors").output("a", "features").output("b", "features");
  }
  Source(const Options&, const Context&) {}
  int64_t size() const override { return 4; }
  TensorMap get(int64_t index, uint64_t) const override {
    return {{"a", torch::full({3}, static_cast<float>(index))}, {"b", torch::ones({3})}};
  }
};

class SumLoss : public Loss {
 public:
  static ComponentInfo info() { return ComponentInfo("test_sum", "sum of x").input("x", "anything"); }
  SumLoss(const Options&, const Context&) {}
  LossOutput compute(const TensorMap& inputs) override {
    auto loss = require(inputs, "x").sum();
    return {loss, {{"double", loss.detach() * 2}}};
  }
};

Registry& registry() {
  static Registry r = [] {
    Registry registry;
    registry.add<Scale>();
    registry.add<Source>();
    registry.add<SumLoss>();
    return registry;
  }();
  return r;
}

ExperimentPlan plan(const std::string& yaml) {
  return plan_experiment(registry(), parse_yaml_string(yaml, "exp.yaml"), "exp.yaml", {});
}

// The message of the ConfigError that planning `yaml` throws, or "" when it plans.
std::string plan_error(const std::string& yaml) {
  try {
    plan(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kSharedGraph = R"(
data: {train: {type: test_source}}
model:
  first: {type: test_linear, inputs: {x: batch.a}}
  second: {share: first, inputs: {x: batch.b}}
losses:
  one: {type: test_sum, weight: 0.5, inputs: {x: first.y}}
  two: {type: test_sum, weight: 2.0, inputs: {x: second.y}}
)";

TEST(Graph, SharedNodeAppliesOneModuleToTwoInputs) {
  auto p = plan(kSharedGraph);
  Graph graph(registry(), p, Context{});
  auto params = graph.named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "model.first.weight");

  TensorMap tensors{{"batch.a", torch::ones({1, 3}) * 3}, {"batch.b", torch::ones({1, 3})}};
  graph.run_model(tensors);
  EXPECT_TRUE(torch::allclose(tensors.at("first.y"), torch::ones({1, 3}) * 6));
  EXPECT_TRUE(torch::allclose(tensors.at("second.y"), torch::ones({1, 3}) * 2));

  LossValues losses = graph.compute_losses(tensors);
  EXPECT_DOUBLE_EQ(losses.total.item<double>(), 0.5 * 18 + 2.0 * 6);
  EXPECT_DOUBLE_EQ(losses.values.at("one.loss").item<double>(), 18);
  EXPECT_DOUBLE_EQ(losses.values.at("two.double").item<double>(), 12);

  losses.total.backward();
  // d/dW of 0.5 * sum(a W^T) + 2 * sum(b W^T): both uses reach the one shared weight.
  auto expected = (torch::ones({3, 1}) * (0.5 * 3 + 2.0 * 1)).expand({3, 3});
  EXPECT_TRUE(torch::allclose(params[0].second.grad(), expected));
}

TEST(Graph, StateRoundTripsAndRejectsForeignTensors) {
  auto p = plan(kSharedGraph);
  Graph graph(registry(), p, Context{});
  TensorMap state = graph.state();
  ASSERT_EQ(state.size(), 1u);
  state["model.first.weight"] = torch::zeros({3, 3});
  graph.load_state(state);
  EXPECT_TRUE(torch::equal(graph.state().at("model.first.weight"), torch::zeros({3, 3})));
  state["model.other.weight"] = torch::zeros({1});
  EXPECT_THROW(graph.load_state(state), Error);
}

TEST(Graph, ShareOfAnUnknownNodeIsAConfigError) {
  const std::string message = plan_error(R"(
data: {train: {type: test_source}}
model:
  first: {type: test_linear, inputs: {x: batch.a}}
  second: {share: frist, inputs: {x: batch.b}}
losses: {one: {type: test_sum, inputs: {x: first.y}}}
)");
  EXPECT_NE(message.find("`share: frist` names no earlier model node (did you mean `first`?)"), std::string::npos)
      << message;
}

TEST(Graph, OptionsOnASharingNodeAreRejected) {
  const std::string message = plan_error(R"(
data: {train: {type: test_source}}
model:
  first: {type: test_linear, inputs: {x: batch.a}}
  second: {share: first, inputs: {x: batch.b}, dim: 4}
losses: {one: {type: test_sum, inputs: {x: first.y}}}
)");
  EXPECT_NE(message.find("model.second.dim: a node that shares `first` takes only `inputs:`"), std::string::npos)
      << message;
}

const char* kMomentumGraph = R"(
data: {train: {type: test_source}}
model:
  first: {type: test_linear, inputs: {x: batch.a}}
  head: {type: test_linear, inputs: {x: first.y}}
  second: {share: first, inputs: {x: batch.b}}
momentum: {decay: 0.75}
losses:
  one: {type: test_sum, inputs: {x: head.y}}
  keys: {type: test_sum, inputs: {x: head_momentum.y}}
)";

TEST(Graph, MomentumCopiesFollowTheModelByEq70) {
  auto p = plan(kMomentumGraph);
  ASSERT_EQ(p.momentum.size(), 3u);
  EXPECT_EQ(p.momentum[1].name, "head_momentum");
  EXPECT_EQ(p.momentum[1].inputs.at(0).second, "first_momentum.y");  // reads the copy, not the model
  EXPECT_EQ(p.momentum[2].share, "first_momentum");
  Graph graph(registry(), p, Context{});
  for (const auto& [name, _] : graph.named_parameters()) EXPECT_EQ(name.rfind("model.", 0), 0u) << name;
  TensorMap state = graph.state();
  ASSERT_EQ(state.count("momentum.first.weight"), 1u);
  EXPECT_EQ(state.count("momentum.second.weight"), 0u);  // shared, stored once
  EXPECT_TRUE(torch::equal(state.at("momentum.head.weight"), state.at("model.head.weight")));

  // One optimizer step changes the model; the copy moves a quarter of the way (m = 0.75).
  torch::Tensor before = state.at("model.first.weight").clone();
  state["model.first.weight"] = torch::zeros({3, 3});
  graph.load_state(state);
  graph.update_momentum();
  EXPECT_TRUE(torch::allclose(graph.state().at("momentum.first.weight"), before * 0.75));
  EXPECT_FALSE(graph.state().at("momentum.first.weight").requires_grad());

  TensorMap tensors{{"batch.a", torch::ones({1, 3})}, {"batch.b", torch::ones({1, 3})}};
  graph.run_momentum(tensors);
  // head_momentum.y = a (0.75 * 2 I) (2 I) = 3 a; second_momentum uses the same copy of `first`.
  EXPECT_TRUE(torch::allclose(tensors.at("head_momentum.y"), torch::ones({1, 3}) * 3));
  EXPECT_TRUE(torch::allclose(tensors.at("second_momentum.y"), torch::ones({1, 3}) * 1.5));
  EXPECT_FALSE(tensors.at("head_momentum.y").requires_grad());
}

TEST(Graph, MomentumPlanningErrors) {
  const std::string unknown = plan_error(R"(
data: {train: {type: test_source}}
model: {first: {type: test_linear, inputs: {x: batch.a}}}
momentum: {nodes: [frist]}
losses: {one: {type: test_sum, inputs: {x: first.y}}}
)");
  EXPECT_NE(unknown.find("`frist` is no model node (did you mean `first`?)"), std::string::npos) << unknown;

  const std::string partial = plan_error(R"(
data: {train: {type: test_source}}
model:
  first: {type: test_linear, inputs: {x: batch.a}}
  head: {type: test_linear, inputs: {x: first.y}}
momentum: {nodes: [head]}
losses: {one: {type: test_sum, inputs: {x: head_momentum.y}}}
)");
  EXPECT_NE(partial.find("the momentum copy of `head` reads `first.y`"), std::string::npos) << partial;
  EXPECT_NE(partial.find("add `first` to momentum.nodes"), std::string::npos) << partial;

  std::string graph = kMomentumGraph;
  graph.replace(graph.find("decay: 0.75"), 11, "decay: 1.5");
  const std::string decay = plan_error(graph);
  EXPECT_NE(decay.find("momentum.decay"), std::string::npos) << decay;
}

TEST(Graph, ComponentErrorsNameTheConnectedInputsAndShapes) {
  auto p = plan(kSharedGraph);
  Graph graph(registry(), p, Context{});
  TensorMap tensors{{"batch.a", torch::ones({2, 4})}, {"batch.b", torch::ones({1, 3})}};
  try {
    graph.run_model(tensors);
    FAIL() << "expected a shape error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("running model.first (encoder test_linear, exp.yaml:"), std::string::npos) << message;
    EXPECT_NE(message.find("inputs: x = batch.a [2, 4] Float"), std::string::npos) << message;
  }
}

}  // namespace

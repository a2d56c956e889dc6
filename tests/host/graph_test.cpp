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

}  // namespace

#include "config/experiment_file.hpp"
#include "graph/experiment_plan.hpp"
#include "graph/graph.hpp"
#include "metrics/flop_estimate.hpp"
#include "train/validation.hpp"

#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/types.h>

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
  static ComponentInfo info() {
    return ComponentInfo("test_sum", "sum of x").input("x", "anything").output("double", "twice the sum");
  }
  SumLoss(const Options&, const Context&) {}
  LossOutput compute(const TensorMap& inputs) override {
    auto loss = require(inputs, "x").sum();
    return {loss, {{"double", loss.detach() * 2}}};
  }
};

// Only the tensor `a`: a set on which nodes reading `batch.b` do not run.
class OnlyA : public Dataset {
 public:
  static ComponentInfo info() { return ComponentInfo("test_only_a", "one feature vector").output("a", "features"); }
  OnlyA(const Options&, const Context&) {}
  int64_t size() const override { return 2; }
  TensorMap get(int64_t index, uint64_t) const override { return {{"a", torch::full({3}, 10.0f * static_cast<float>(index + 1))}}; }
};

// Sums its input over a validation pass; `twice` runs the model itself on batch.a = 2 x.
class SumEvaluator : public Evaluator {
 public:
  static ComponentInfo info() {
    return ComponentInfo("test_sum_eval", "sum of x").input("x", "anything").output("sum", "sum of x").output("twice", "");
  }
  SumEvaluator(const Options&, const Context&) {}
  void reset() override { sum_ = 0, twice_ = 0; }
  void add(const TensorMap& inputs, const EvalModels& models) override {
    sum_ += require(inputs, "x").sum().item<double>();
    TensorMap tensors{{"batch.a", require(inputs, "x") * 2}};
    models.run_model(tensors);
    twice_ += tensors.at("first.y").sum().item<double>();
  }
  std::map<std::string, double> compute(const EvalModels&) override { return {{"sum", sum_}, {"twice", twice_}}; }

 private:
  double sum_ = 0, twice_ = 0;
};

// x2 = 2x and z2 = 2z, for whichever of its optional inputs it is given.
class Doubler : public Encoder {
 public:
  static ComponentInfo info() {
    return ComponentInfo("test_doubler", "2x and 2z")
        .optional_input("x", "features")
        .optional_input("z", "features")
        .output("x2", "2x")
        .output("z2", "2z");
  }
  Doubler(const Options&, const Context&) {}
  TensorMap forward(const TensorMap& inputs) override {
    TensorMap out;
    for (const char* port : {"x", "z"})
      if (inputs.count(port)) out[std::string(port) + "2"] = inputs.at(port) * 2;
    return out;
  }
};

Registry& registry() {
  static Registry r = [] {
    Registry registry;
    registry.add<Scale>();
    registry.add<Source>();
    registry.add<OnlyA>();
    registry.add<SumEvaluator>();
    registry.add<SumLoss>();
    registry.add<Doubler>();
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

const char* kEvalSets = R"(
data:
  train: {type: test_source}
  eval:
    pairs: {type: test_source}
    singles: {type: test_only_a}
model:
  first: {type: test_linear, inputs: {x: batch.a}}
  second: {type: test_linear, inputs: {x: batch.b}}
losses: {one: {type: test_sum, inputs: {x: second.y}}}
eval:
  batch_size: 3
  evaluators:
    on_pairs: {type: test_sum_eval, data: pairs, inputs: {x: second.y}}
    on_singles: {type: test_sum_eval, data: singles, inputs: {x: first.y}}
)";

TEST(Validation, EachSetRunsTheNodesItsTensorsReachIntoItsEvaluators) {
  auto p = plan(kEvalSets);
  ASSERT_EQ(p.eval_sets.size(), 2u);
  EXPECT_EQ(p.evaluators[1].eval_set, "singles");
  Graph graph(registry(), p, Context{});
  Validation validation(registry(), p, Context{});
  const EvalResult result = validation.run(graph, torch::kCPU);
  // pairs: second.y = 2 b = 2 per element, 4 samples x 3; singles: first.y = 2 a, a = 10, 20.
  EXPECT_DOUBLE_EQ(result.metrics.at("eval.on_pairs.sum"), 24.0);
  EXPECT_DOUBLE_EQ(result.metrics.at("eval.on_singles.sum"), 2 * (10 + 20) * 3.0);
  // The evaluator's own model run: first.y of 2 x.
  EXPECT_DOUBLE_EQ(result.metrics.at("eval.on_singles.twice"), 4 * 2 * (10 + 20) * 3.0);
  ASSERT_EQ(result.table.size(), 4u);
  EXPECT_EQ(result.table[0].heading, (std::vector<std::string>{"pairs", "sum"}));
  EXPECT_EQ(result.table[0].value, "24.0000");
  EXPECT_EQ(result.table[3].heading, (std::vector<std::string>{"singles", "twice"}));
}

// A node reading both tensors still runs on a set that has one (the image-only ImageNet next to
// image-text pairs); in training every declared output must come.
TEST(Validation, NodeMissingOnlyOptionalInputsRunsOnWhatTheSetHas) {
  auto p = plan(R"(
data:
  train: {type: test_source}
  eval: {singles: {type: test_only_a}}
model:
  first: {type: test_linear, inputs: {x: batch.a}}
  both: {type: test_doubler, inputs: {x: batch.a, z: batch.b}}
losses: {one: {type: test_sum, inputs: {x: both.z2}}}
eval: {batch_size: 3, evaluators: {on_singles: {type: test_sum_eval, data: singles, inputs: {x: both.x2}}}}
)");
  Graph graph(registry(), p, Context{});
  Validation validation(registry(), p, Context{});
  EXPECT_DOUBLE_EQ(validation.run(graph, torch::kCPU).metrics.at("eval.on_singles.sum"), 2 * (10 + 20) * 3.0);

  auto unconnected = plan(R"(
data: {train: {type: test_source}}
model: {both: {type: test_doubler, inputs: {x: batch.a}}}
losses: {one: {type: test_sum, inputs: {x: both.x2}}}
)");
  Graph training(registry(), unconnected, Context{});
  TensorMap tensors{{"batch.a", torch::ones({1, 3})}};
  try {
    training.run_model(tensors);
    FAIL() << "expected a missing output";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("did not produce its declared output `z2` (its optional input `z` is not connected)"),
              std::string::npos)
        << message;
  }
}

// The planning error of kEvalSets with the first `find` replaced by `replacement`.
std::string eval_sets_error(const std::string& find, const std::string& replacement) {
  std::string config = kEvalSets;
  config.replace(config.find(find), find.size(), replacement);
  return plan_error(config);
}

TEST(Validation, PlanningNamesTheSetAndWhyATensorIsMissing) {
  const std::string unnamed = eval_sets_error("data: pairs, ", "");
  EXPECT_NE(unnamed.find("eval.evaluators.on_pairs.data: data.eval has several sets: name the one this evaluator "
                         "reads (data: pairs, singles)"),
            std::string::npos)
      << unnamed;
  const std::string unknown = eval_sets_error("data: pairs", "data: pair");
  EXPECT_NE(unknown.find("`pair` names no set of data.eval (did you mean `pairs`?)"), std::string::npos) << unknown;
  const std::string missing = eval_sets_error("inputs: {x: first.y}", "inputs: {x: second.y}");
  EXPECT_NE(missing.find("eval.evaluators.on_singles.inputs.x: tensor `second.y` is not computed in validation on "
                         "data.eval.singles: model.second does not run there: it reads `batch.b`, which "
                         "data.eval.singles does not provide"),
            std::string::npos)
      << missing;
}

TEST(Validation, LossesAreAveragedOverTheSetsThatReachThem) {
  std::string config = kEvalSets;
  config.replace(config.find("batch_size: 3"), 13, "batch_size: 3\n  losses: true");
  auto p = plan(config);
  Graph graph(registry(), p, Context{});
  Validation validation(registry(), p, Context{});
  const EvalResult result = validation.run(graph, torch::kCPU);
  // pairs: `one` = the batch's sum of second.y (2 x 3 per sample): 18 and 6 for batches of 3 and
  // 1 rows, weighted by their rows: (18 x 3 + 6) / 4 = 15.
  EXPECT_DOUBLE_EQ(result.metrics.at("eval.pairs.one"), 15.0);
  EXPECT_EQ(result.metrics.count("eval.singles.one"), 0u);  // singles lack batch.b
  EXPECT_EQ(result.table.front().heading, (std::vector<std::string>{"pairs", "loss", "one"}));
}

TEST(Validation, BestMetricMustBeAnEvaluatorMetric) {
  const std::string message = eval_sets_error("batch_size: 3", "best_metric: eval.on_pair.sum");
  EXPECT_NE(message.find("eval.best_metric: `eval.on_pair.sum` is no metric of this experiment's evaluators (did you "
                         "mean `eval.on_pairs.sum`?)"),
            std::string::npos)
      << message;
}

TEST(Graph, FrozenNodesTrainNothingAndStayInEvalMode) {
  auto p = plan(R"(
data: {train: {type: test_source}}
model:
  first: {type: test_linear, frozen: true, inputs: {x: batch.a}}
  head: {type: test_linear, inputs: {x: first.y}}
losses: {one: {type: test_sum, inputs: {x: head.y}}}
)");
  EXPECT_TRUE(p.model[0].frozen);
  Graph graph(registry(), p, Context{});
  graph.set_training(true);
  auto params = graph.named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "model.head.weight");
  EXPECT_EQ(graph.state().count("model.first.weight"), 1u);  // still saved
  TensorMap tensors{{"batch.a", torch::ones({1, 3})}};
  graph.run_model(tensors);
  EXPECT_FALSE(tensors.at("first.y").requires_grad());
  EXPECT_TRUE(tensors.at("head.y").requires_grad());

  const std::string message = plan_error(R"(
data: {train: {type: test_source}}
model: {first: {type: test_linear, frozen: yes please, inputs: {x: batch.a}}}
losses: {one: {type: test_sum, inputs: {x: first.y}}}
)");
  EXPECT_NE(message.find("model.first.frozen: expected true or false"), std::string::npos) << message;
}

TEST(FlopEstimate, SixTimesMatrixParametersTimesTokensForTrainedNodes) {
  auto p = plan(R"(
data: {train: {type: test_source}}
model:
  first: {type: test_linear, frozen: true, inputs: {x: batch.a}}
  head: {type: test_linear, inputs: {x: first.y}}
  again: {share: head, inputs: {x: batch.b}}
losses: {one: {type: test_sum, inputs: {x: head.y}}}
)");
  Graph graph(registry(), p, Context{});
  TensorMap tensors{{"batch.a", torch::ones({5, 3})}, {"batch.b", torch::ones({5, 3})}};
  graph.run_model(tensors);
  // 9 weights each: frozen `first` forward only (2 x 9 x 5), `head` and its shared use trained.
  EXPECT_DOUBLE_EQ(estimate_step_flops(graph, tensors), 2.0 * 9 * 5 + 2 * 6.0 * 9 * 5);
  tensors["head.y"] = torch::ones({5, 7, 3});  // a token sequence: B x T tokens
  EXPECT_DOUBLE_EQ(estimate_step_flops(graph, tensors), 2.0 * 9 * 5 + 6.0 * 9 * 35 + 6.0 * 9 * 5);
}

}  // namespace

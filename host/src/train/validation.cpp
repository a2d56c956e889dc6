#include "train/validation.hpp"

#include <torch/torch.h>

namespace mmkd {

Validation::Validation(const Registry& registry, const ExperimentPlan& plan, const Context& context) {
  if (plan.evaluators.empty()) return;
  const NodePlan& data = plan.eval_data ? *plan.eval_data : *plan.train_data;
  auto dataset = at_node(data, "creating", [&] { return registry.create<Kind::Dataset>(*data.entry, data.options, context); });
  LoaderOptions loading = loader_options(plan, context);
  loading.batch_size = plan.eval.get<int64_t>("batch_size");
  loader_ = std::make_unique<BatchLoader>(dataset, loading);
  for (const auto& node : plan.evaluators) {
    Context node_context = context;
    node_context.node_name = node.name;
    auto evaluator =
        at_node(node, "creating", [&] { return registry.create<Kind::Evaluator>(*node.entry, node.options, node_context); });
    evaluators_.push_back({&node, evaluator});
  }
}

std::map<std::string, double> Validation::run(Graph& graph, torch::Device device) {
  std::map<std::string, double> metrics;
  if (!enabled()) return metrics;
  torch::NoGradGuard no_grad;
  graph.set_training(false);
  for (auto& node : evaluators_) node.evaluator->reset();
  for (int64_t b = 0; b < loader_->batches_per_epoch(); ++b) {
    TensorMap tensors = loader_->batch(0, b);
    for (auto& [_, t] : tensors) t = t.to(device);
    graph.run_momentum(tensors);
    graph.run_teachers(tensors);
    graph.run_model(tensors);
    for (auto& node : evaluators_) {
      TensorMap inputs;
      for (const auto& [port, tensor] : node.plan->inputs) inputs[port] = require(tensors, tensor);
      at_node(*node.plan, "evaluating", [&] { node.evaluator->add(inputs); }, &inputs);
    }
  }
  for (auto& node : evaluators_)
    for (const auto& [key, value] : at_node(*node.plan, "evaluating", [&] { return node.evaluator->compute(); }))
      metrics["eval." + node.plan->name + "." + key] = value;
  graph.set_training(true);
  return metrics;
}

}  // namespace mmkd

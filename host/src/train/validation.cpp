#include "train/validation.hpp"

#include "data/concat_dataset.hpp"

#include <mmkd/progress.hpp>

#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>

namespace mmkd {
namespace {

// What evaluators run themselves: the model nodes their tensors reach, and loss heads.
class GraphEvalModels : public EvalModels {
 public:
  explicit GraphEvalModels(const Graph& graph) : graph_(graph) {}
  void run_model(TensorMap& tensors) const override { graph_.run_available(tensors); }
  TensorMap evaluate_loss(const std::string& loss, const TensorMap& inputs) const override {
    return graph_.evaluate_loss(loss, inputs);
  }

 private:
  const Graph& graph_;
};

}  // namespace

Validation::Validation(const Registry& registry, const ExperimentPlan& plan, const Context& context)
    : losses_(plan.eval.get<bool>("losses")) {
  LoaderOptions loading = loader_options(plan, context);
  loading.batch_size = plan.eval.get<int64_t>("batch_size");
  std::vector<NodePlan> sets = plan.eval_sets;
  if (sets.empty() && plan.train_data) sets.push_back(*plan.train_data);
  for (const auto& data : sets) {
    SetPass pass{data.name, nullptr, {}};
    for (const auto& node : plan.evaluators) {
      if (node.eval_set != data.name) continue;
      Context node_context = context;
      node_context.node_name = node.name;
      pass.evaluators.push_back({&node, at_node(node, "creating", [&] {
                                   return registry.create<Kind::Evaluator>(*node.entry, node.options, node_context);
                                 })});
    }
    if (pass.evaluators.empty() && !losses_) continue;
    pass.loader = std::make_unique<BatchLoader>(create_dataset(registry, data, context), loading);
    sets_.push_back(std::move(pass));
  }
}

EvalResult Validation::run(Graph& graph, torch::Device device) {
  EvalResult result;
  torch::NoGradGuard no_grad;
  graph.set_training(false);
  const GraphEvalModels models(graph);
  for (auto& set : sets_) {
    for (auto& node : set.evaluators) node.evaluator->reset();
    std::map<std::string, torch::Tensor> loss_sums;  // on the device, read once per set
    int64_t samples = 0;
    CountProgress progress("validate " + set.name, set.loader->batches_per_epoch(), "batches");
    for (int64_t b = 0; b < set.loader->batches_per_epoch(); ++b) {
      TensorMap tensors = set.loader->batch(0, b);
      for (auto& [_, t] : tensors) t = t.to(device);
      graph.run_available(tensors);
      if (losses_) {
        const int64_t rows = tensors.begin()->second.size(0);
        for (const auto& [key, value] : graph.compute_losses(tensors, /*skip_incomplete=*/true).values)
          if (key.size() > 5 && key.substr(key.size() - 5) == ".loss") {
            torch::Tensor& sum = loss_sums[key.substr(0, key.size() - 5)];
            sum = sum.defined() ? sum + value * static_cast<double>(rows) : value * static_cast<double>(rows);
          }
        samples += rows;
      }
      for (auto& node : set.evaluators) {
        TensorMap inputs;
        for (const auto& [port, tensor] : node.plan->inputs) inputs[port] = require(tensors, tensor);
        at_node(*node.plan, "evaluating", [&] { node.evaluator->add(inputs, models); }, &inputs);
      }
      progress.advance();
    }
    progress.finish();
    for (const auto& [loss, sum] : loss_sums) {
      const double mean = sum.item<double>() / static_cast<double>(samples);  // batch means weighted by their rows
      result.metrics["eval." + set.name + "." + loss] = mean;
      result.table.push_back({{set.name, "loss", loss}, fmt::format("{:.4f}", mean)});
    }
    for (auto& node : set.evaluators) {
      const auto metrics = at_node(*node.plan, "evaluating", [&] { return node.evaluator->compute(models); });
      for (const auto& [key, value] : metrics) result.metrics["eval." + node.plan->name + "." + key] = value;
      for (auto cell : node.evaluator->table(metrics)) {
        if (set.evaluators.size() > 1) cell.heading.insert(cell.heading.begin(), node.plan->name);
        cell.heading.insert(cell.heading.begin(), set.name);
        result.table.push_back(std::move(cell));
      }
    }
  }
  graph.set_training(true);
  return result;
}

}  // namespace mmkd

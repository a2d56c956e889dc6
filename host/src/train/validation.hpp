#pragma once
// A validation pass: the eval dataset through teachers and model, without autograd, into the
// evaluators.
#include "graph/graph.hpp"
#include "train/batch_loader.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mmkd {

class Validation {
 public:
  // Uses data.eval, or data.train in order when the experiment has no eval set.
  Validation(const Registry& registry, const ExperimentPlan& plan, const Context& context);
  bool enabled() const { return !evaluators_.empty(); }
  // Metrics named "eval.<evaluator>.<metric>".
  std::map<std::string, double> run(Graph& graph, torch::Device device);

 private:
  struct EvaluatorNode {
    const NodePlan* plan;
    std::shared_ptr<Evaluator> evaluator;
  };
  std::unique_ptr<BatchLoader> loader_;
  std::vector<EvaluatorNode> evaluators_;
};

}  // namespace mmkd

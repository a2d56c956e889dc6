#pragma once
// A validation pass: each evaluation set through teachers and model (the nodes its tensors
// reach), without autograd, into the evaluators that read it.
#include "data/batch_loader.hpp"
#include "graph/graph.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mmkd {

struct EvalResult {
  std::map<std::string, double> metrics;  // "eval.<evaluator>.<metric>"
  std::vector<TableCell> table;           // headed by set (and evaluator when a set has several)
};

class Validation {
 public:
  // Sets of data.eval, or data.train in order when the experiment has none.
  Validation(const Registry& registry, const ExperimentPlan& plan, const Context& context);
  bool enabled() const { return !sets_.empty(); }
  EvalResult run(Graph& graph, torch::Device device);

 private:
  struct EvaluatorNode {
    const NodePlan* plan;
    std::shared_ptr<Evaluator> evaluator;
  };
  struct SetPass {
    std::string name;
    std::unique_ptr<BatchLoader> loader;
    std::vector<EvaluatorNode> evaluators;
  };
  bool losses_ = false;  // eval.losses
  std::vector<SetPass> sets_;
};

}  // namespace mmkd

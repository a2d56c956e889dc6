#pragma once
// The tensors of an experiment's graph: which node writes what, and the checks that every node,
// loss and evaluator reads tensors written before it, with hints (who writes it later, which
// component could, did you mean). Problems go to `errors` with their file, line and key.
#include "graph/experiment_plan.hpp"

#include <string>
#include <vector>

namespace mmkd {

struct WrittenTensor {
  std::string tensor;  // "image.embedding"
  std::string writer;  // key path of the node writing it
};
using WrittenTensors = std::vector<WrittenTensor>;

bool is_written(const WrittenTensors& written, const std::string& tensor);

// The outputs of `node`, as its writes.
WrittenTensors writes_of(const NodePlan& node);

class WiringChecks {
 public:
  // `config`: the experiment, whose teachers and model could write tensors nodes read too early.
  WiringChecks(const Registry& registry, const ConfigNode& config, std::vector<Diagnostic>& errors);

  // A teacher's, model node's or loss's inputs are among `available`.
  void check_inputs(const NodePlan& node, const WrittenTensors& available);
  // Momentum copies run first in a step: they read the batch and earlier copies only.
  void check_momentum_inputs(const NodePlan& node, const WrittenTensors& available);
  // An evaluator's inputs are computed in validation on `set`.
  void check_evaluator_inputs(const NodePlan& evaluator, const NodePlan& set, const ExperimentPlan& plan,
                              const WrittenTensors& trained);
  // eval.best_metric names a metric "eval.<evaluator>.<metric>" of the experiment.
  void check_best_metric(const ExperimentPlan& plan);

 private:
  void error(const SourceLocation& where, const std::string& key, const std::string& message) {
    errors_.push_back({where, key, message});
  }
  std::string could_write(const std::string& tensor);

  const Registry& registry_;
  std::vector<Diagnostic>& errors_;
  WrittenTensors later_;  // every tensor a teacher or model node could write
};

}  // namespace mmkd

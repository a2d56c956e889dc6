#pragma once
// The NodePlan of one config node: its component by `type:` (or the node it shares), its options
// checked, its inputs connected to ports, its output tensor names. Problems go to `errors` with
// their file, line and key.
#include "graph/experiment_plan.hpp"

#include <set>
#include <string>
#include <vector>

namespace mmkd {

class NodeBuilder {
 public:
  // `searched`: the plugin folders, for unknown types; `files`: resolves file options (teacher caches).
  NodeBuilder(const Registry& registry, const std::vector<std::string>& searched, const Context& files,
              std::vector<Diagnostic>& errors)
      : registry_(registry), searched_(searched), files_(files), errors_(errors) {}

  NodePlan component(Kind kind, const std::string& key_path, const std::string& name, const ConfigNode& node,
                     const NodePlan* shared = nullptr);

  // The nodes of `teachers:` or `model:` (`section`, a map), their names unique in `node_names`;
  // a model node may `share:` the module of an earlier one.
  std::vector<NodePlan> graph_nodes(const ConfigNode& section, const std::string& key, Kind kind,
                                    std::set<std::string>& node_names);

  // `data.train` as a list of datasets that write the same tensors, each with an optional weight.
  std::vector<NodePlan> training_parts(const ConfigNode& list);

  // `data.eval`: a dataset (one set named "eval") or a map of named datasets.
  std::vector<NodePlan> eval_sets(const ConfigNode& eval);

  // A loss's or training part's `weight:`; 1 when it is no number.
  double weight(const ConfigNode& node, const std::string& key_path);

 private:
  void error(const SourceLocation& where, const std::string& key, const std::string& message) {
    errors_.push_back({where, key, message});
  }
  std::vector<Port> outputs_of(const NodePlan& plan);
  std::vector<std::pair<std::string, std::string>> connect_inputs(const NodePlan& plan, const ConfigNode& node);
  std::string cached_path(const ConfigNode& node, const std::string& key_path);
  bool flag(const ConfigNode& node, const std::string& key_path);

  const Registry& registry_;
  const std::vector<std::string>& searched_;
  const Context& files_;
  std::vector<Diagnostic>& errors_;
};

}  // namespace mmkd

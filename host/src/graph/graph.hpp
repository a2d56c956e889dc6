#pragma once
// The experiment's components, created from a plan and run on one dictionary of tensors.
#include "graph/experiment_plan.hpp"

#include <mmkd/component.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mmkd {

struct LossValues {
  torch::Tensor total;                         // sum of weight * loss
  std::map<std::string, torch::Tensor> values;  // "<loss>.loss", "<loss>.<metric>" (detached)
};

class Graph {
 public:
  // Creates teachers, model nodes and losses (not datasets, evaluators or loggers).
  Graph(const Registry& registry, const ExperimentPlan& plan, const Context& context);
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  void to(torch::Device device);
  void set_training(bool training);  // model and losses; teachers always stay in eval mode

  void run_teachers(TensorMap& tensors) const;  // without autograd
  void run_model(TensorMap& tensors) const;
  LossValues compute_losses(const TensorMap& tensors) const;

  // Trainable parameters of model nodes and losses, named "model.<node>.<param>" and
  // "losses.<loss>.<param>"; a shared module appears once, under its first node.
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;
  // Parameters and buffers of model nodes and losses (what a checkpoint and the final
  // weights hold), same naming.
  TensorMap state() const;
  void load_state(const TensorMap& state);  // strict: names and shapes must match
  TensorMap extra_state() const;            // "<section>.<node>.<key>"
  void load_extra_state(const TensorMap& state);

 private:
  struct ModuleNode {
    const NodePlan* plan;
    std::shared_ptr<Module> module;
    bool owner;  // false for `share:` nodes
  };
  struct LossNode {
    const NodePlan* plan;
    std::shared_ptr<Loss> loss;
  };
  void run_nodes(const std::vector<ModuleNode>& nodes, TensorMap& tensors) const;
  std::vector<std::pair<std::string, torch::nn::Module*>> stateful_modules() const;

  ExperimentPlan plan_;
  std::vector<ModuleNode> teachers_, model_;
  std::vector<LossNode> losses_;
};

std::string node_label(const NodePlan& node);  // "model.image (encoder vit, exp.yaml:12:3)"

// Runs `body`, rethrowing any exception with where it happened: section, node, type, file:line.
template <class F>
auto at_node(const NodePlan& node, const char* action, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string(action) + " " + node_label(node) + ": " + e.what());
  }
}

}  // namespace mmkd

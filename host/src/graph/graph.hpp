#pragma once
// The experiment's components, created from a plan and run on one dictionary of tensors.
#include "graph/experiment_plan.hpp"
#include "util/error_text.hpp"

#include <mmkd/component.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mmkd {

struct LossValues {
  torch::Tensor total;                         // sum of weight * loss
  std::map<std::string, torch::Tensor> values;  // "<loss>.loss", "<loss>.<metric>" (detached)
  std::vector<const NodePlan*> without_gradient;  // losses no trained parameter reaches
};

class Graph {
 public:
  // Creates teachers, model nodes and losses (not datasets, evaluators or loggers).
  Graph(const Registry& registry, const ExperimentPlan& plan, const Context& context);
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  void to(torch::Device device);
  // Model and losses; teachers and `frozen:` model nodes always stay in eval mode.
  void set_training(bool training);

  // Momentum copies (thesis Eq. 70, Figure 26): update once per optimizer step, then run
  // first in every step, without autograd.
  void update_momentum();
  void run_momentum(TensorMap& tensors) const;
  void run_teachers(TensorMap& tensors) const;  // without autograd
  void run_model(TensorMap& tensors) const;
  // Validation: momentum copies, teachers and model nodes, each only when `tensors` holds all
  // of its inputs (an evaluation set without captions skips the text branch).
  void run_available(TensorMap& tensors) const;
  // With `skip_incomplete` (validation), losses whose inputs `tensors` lacks are left out.
  LossValues compute_losses(const TensorMap& tensors, bool skip_incomplete = false) const;
  TensorMap evaluate_loss(const std::string& loss, const TensorMap& inputs) const;  // Loss::evaluate

  // Trainable parameters of model nodes and losses, named "model.<node>.<param>" and
  // "losses.<loss>.<param>"; a shared module appears once, under its first node.
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;
  // Parameters and buffers of model nodes, momentum copies ("momentum.<node>.<param>") and
  // losses (what a checkpoint and the final weights hold), same naming.
  TensorMap state() const;
  void load_state(const TensorMap& state);  // strict: names and shapes must match
  TensorMap extra_state() const;            // "<section>.<node>.<key>"
  // "teacher.<node> (type): N parameters" for every teacher, model node (not share:) and loss
  // that has parameters.
  std::vector<std::string> parameter_counts() const;
  void load_extra_state(const TensorMap& state);

  // For FLOP estimates: every node that runs in a step (`share:` nodes too), its outputs, the
  // elements of its matrix parameters (not embedding tables) and whether it is trained.
  struct NodeCost {
    std::vector<std::string> outputs;
    int64_t matrix_parameters = 0;
    bool trained = false;
  };
  std::vector<NodeCost> node_costs() const;

 private:
  struct ModuleNode {
    const NodePlan* plan;
    std::shared_ptr<Module> module;
    bool owner;  // false for `share:` nodes
  };
  struct LossNode {
    const NodePlan* plan;
    std::shared_ptr<Loss> loss;
    std::vector<Port> metrics;  // declared
  };
  void run_nodes(const std::vector<ModuleNode>& nodes, TensorMap& tensors, bool skip_incomplete = false) const;
  static const ModuleNode& node_named(const std::vector<ModuleNode>& nodes, const std::string& name);
  // copy = decay * copy + (1 - decay) * its model node, all parameters at once; buffers copied.
  void blend_momentum(const ModuleNode& copy, double decay);
  std::vector<std::pair<std::string, torch::nn::Module*>> stateful_modules() const;

  ExperimentPlan plan_;
  std::vector<ModuleNode> momentum_, teachers_, model_;
  double momentum_decay_ = 0;
  std::vector<LossNode> losses_;
};

std::string node_label(const NodePlan& node);  // "model.image (encoder vit, exp.yaml:12:3)"

// A loss's value and each metric must be scalar tensors, and the metrics those declared (all
// but optional ones): what is wrong, or "".
std::string loss_output_problem(const LossOutput& output, const std::vector<Port>& declared_metrics);

// Every loss must reach a trained parameter: the ones that do not, or "".
std::string losses_without_gradient_problem(const LossValues& losses);

// "inputs: image = image.cls [8, 64] float, text = text.cls [8, 32] float"
std::string inputs_label(const NodePlan& node, const TensorMap& inputs);

// Runs `body`, rethrowing any exception with where it happened: section, node, type,
// file:line, and the connected inputs with their shapes when given.
template <class F>
auto at_node(const NodePlan& node, const char* action, F&& body, const TensorMap* inputs = nullptr) -> decltype(body()) {
  try {
    return body();
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string(action) + " " + node_label(node) + ": " + error_text(e) +
                (inputs ? "\n  " + inputs_label(node, *inputs) : std::string()));
  }
}

}  // namespace mmkd

#include "graph/graph.hpp"

#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>

namespace mmkd {

std::string node_label(const NodePlan& node) {
  return fmt::format("{} ({} {}, {})", node.key_path, kind_name(node.kind), node.entry ? node.entry->info.type : "?",
                     node.where.to_string());
}

std::string loss_output_problem(const LossOutput& output, const std::vector<Port>& declared_metrics) {
  auto shape = [](const torch::Tensor& t) {
    return t.defined() ? fmt::format(" (shape [{}])", fmt::join(t.sizes(), ", ")) : std::string(" (undefined)");
  };
  if (!output.loss.defined() || output.loss.numel() != 1) return "the loss is not a scalar tensor" + shape(output.loss);
  for (const auto& [metric, value] : output.metrics) {
    if (!value.defined() || value.numel() != 1) return "metric `" + metric + "` is not a scalar tensor" + shape(value);
    const std::string& name = metric;
    if (std::none_of(declared_metrics.begin(), declared_metrics.end(), [&](const Port& port) { return port.name == name; })) {
      std::vector<std::string> declared;
      for (const auto& port : declared_metrics) declared.push_back("`" + port.name + "`");
      return fmt::format("metric `{}` is not declared (declared: {}; add it with ComponentInfo::output)", metric,
                         declared.empty() ? std::string("none") : fmt::format("{}", fmt::join(declared, ", ")));
    }
  }
  for (const auto& port : declared_metrics)
    if (!port.optional && output.metrics.count(port.name) == 0)
      return "the declared metric `" + port.name +
             "` is missing (declare a metric written only sometimes with ComponentInfo::optional_output)";
  return "";
}

std::string losses_without_gradient_problem(const LossValues& losses) {
  if (losses.without_gradient.empty()) return "";
  std::vector<std::string> labels;
  for (const NodePlan* loss : losses.without_gradient) labels.push_back(node_label(*loss));
  return fmt::format("{} reach{} no trained parameter (is a loss detached, or are all its inputs teachers and frozen "
                     "nodes?)",
                     fmt::join(labels, "; "), labels.size() == 1 ? "es" : "");
}

std::string inputs_label(const NodePlan& node, const TensorMap& inputs) {
  std::vector<std::string> parts;
  for (const auto& [port, tensor] : node.inputs) {
    auto it = inputs.find(port);
    if (it == inputs.end() || !it->second.defined()) continue;
    parts.push_back(fmt::format("{} = {} [{}] {}", port, tensor, fmt::join(it->second.sizes(), ", "),
                                c10::toString(it->second.scalar_type())));
  }
  return "inputs: " + (parts.empty() ? std::string("none") : fmt::format("{}", fmt::join(parts, ", ")));
}

// Validation runs a node (or loss) only where the tensors reach all of its inputs.
static bool has_all_inputs(const NodePlan& node, const TensorMap& tensors) {
  return std::all_of(node.inputs.begin(), node.inputs.end(), [&](const auto& input) { return tensors.count(input.second) > 0; });
}

// " (its optional inputs `a`, `b` are not connected)", or "".
static std::string unconnected_optional_inputs(const NodePlan& node) {
  if (!node.entry) return "";
  std::vector<std::string> names;
  for (const auto& port : node.entry->info.inputs) {
    const bool connected = std::any_of(node.inputs.begin(), node.inputs.end(),
                                       [&](const auto& input) { return input.first == port.name; });
    if (port.optional && !connected) names.push_back("`" + port.name + "`");
  }
  if (names.empty()) return "";
  return fmt::format(" (its optional input{} {} {} not connected)", names.size() > 1 ? "s" : "",
                     fmt::join(names, ", "), names.size() > 1 ? "are" : "is");
}

static Context context_for(const Context& base, const NodePlan& node) {
  Context context = base;
  context.node_name = node.name;
  return context;
}

Graph::Graph(const Registry& registry, const ExperimentPlan& plan, const Context& context) : plan_(plan) {
  // Teachers draw their random weights from a saved generator state, so that the model's
  // initialisation does not depend on them (nor on whether they are cached).
  auto generator = at::detail::getDefaultCPUGenerator();
  const torch::Tensor before_teachers = generator.get_state();
  for (const auto& node : plan_.teachers) {
    if (!node.cached.empty()) continue;
    auto teacher = at_node(node, "creating", [&] {
      return registry.create<Kind::Teacher>(*node.entry, node.options, context_for(context, node));
    });
    for (auto& p : teacher->parameters()) p.set_requires_grad(false);
    teacher->eval();
    teachers_.push_back({&node, teacher, true});
  }
  generator.set_state(before_teachers);
  // A module per node, or the module of the node it shares.
  auto add_encoders = [&](const std::vector<NodePlan>& plans, std::vector<ModuleNode>& nodes) {
    for (const auto& node : plans) {
      if (!node.share.empty()) {
        nodes.push_back({&node, node_named(nodes, node.share).module, false});
        continue;
      }
      auto encoder = at_node(node, "creating", [&] {
        return registry.create<Kind::Encoder>(*node.entry, node.options, context_for(context, node));
      });
      if (node.frozen) {
        for (auto& p : encoder->parameters()) p.set_requires_grad(false);
        encoder->eval();
      }
      nodes.push_back({&node, encoder, true});
    }
  };
  add_encoders(plan_.model, model_);
  add_encoders(plan_.momentum, momentum_);
  if (!plan_.momentum.empty()) momentum_decay_ = plan_.momentum_options.get<double>("decay");
  for (const auto& copy : momentum_) {
    if (!copy.owner) continue;
    for (auto& p : copy.module->parameters()) p.set_requires_grad(false);
    blend_momentum(copy, 0.0);
  }
  for (const auto& node : plan_.losses) {
    auto loss = at_node(node, "creating",
                        [&] { return registry.create<Kind::Loss>(*node.entry, node.options, context_for(context, node)); });
    losses_.push_back({&node, loss, node.entry->info.outputs_for(node.options)});
  }
}

void Graph::to(torch::Device device) {
  for (auto& n : teachers_) n.module->to(device);
  for (auto* nodes : {&momentum_, &model_})
    for (auto& n : *nodes)
      if (n.owner) n.module->to(device);
  for (auto& n : losses_) n.loss->to(device);
}

void Graph::set_training(bool training) {
  for (auto* nodes : {&momentum_, &model_})
    for (auto& n : *nodes)
      if (n.owner) n.module->train(training && !n.plan->frozen);
  for (auto& n : losses_) n.loss->train(training);
}

void Graph::run_nodes(const std::vector<ModuleNode>& nodes, TensorMap& tensors, bool skip_incomplete) const {
  for (const auto& node : nodes) {
    const NodePlan& plan = *node.plan;
    if (skip_incomplete && !runs_with(plan, [&](const std::string& tensor) { return tensors.count(tensor) > 0; }))
      continue;
    TensorMap inputs;
    for (const auto& [port, tensor] : plan.inputs)
      if (!skip_incomplete || tensors.count(tensor)) inputs[port] = require(tensors, tensor);
    std::optional<torch::NoGradGuard> frozen;
    if (plan.frozen) frozen.emplace();
    TensorMap outputs = at_node(plan, "running", [&] { return node.module->forward(inputs); }, &inputs);
    const bool partial = inputs.size() < plan.inputs.size();
    for (const auto& full_name : plan.outputs) {
      const std::string port = full_name.substr(plan.name.size() + 1);
      auto it = outputs.find(port);
      if (it != outputs.end()) tensors[full_name] = it->second;
      else if (!partial)
        throw Error("running " + node_label(plan) + ": the component did not produce its declared output `" + port +
                    "`" + unconnected_optional_inputs(plan));
    }
  }
}

const Graph::ModuleNode& Graph::node_named(const std::vector<ModuleNode>& nodes, const std::string& name) {
  return *std::find_if(nodes.begin(), nodes.end(), [&](const ModuleNode& m) { return m.plan->name == name; });
}

void Graph::blend_momentum(const ModuleNode& copy, double decay) {
  torch::NoGradGuard no_grad;
  const auto& original = *node_named(model_, copy.plan->momentum_of).module;
  auto params = original.named_parameters();
  std::vector<torch::Tensor> copies, sources;
  for (auto& item : copy.module->named_parameters()) {
    copies.push_back(item.value());
    sources.push_back(params[item.key()]);
  }
  at::_foreach_mul_(copies, decay);  // Eq. 70, multi-tensor: a few kernels for the whole node
  at::_foreach_add_(copies, sources, 1 - decay);
  auto buffers = original.named_buffers();
  for (auto& item : copy.module->named_buffers()) item.value().copy_(buffers[item.key()]);
}

void Graph::update_momentum() {
  for (const auto& copy : momentum_)
    if (copy.owner) blend_momentum(copy, momentum_decay_);
}

void Graph::run_momentum(TensorMap& tensors) const {
  torch::NoGradGuard no_grad;
  run_nodes(momentum_, tensors);
}

void Graph::run_teachers(TensorMap& tensors) const {
  torch::NoGradGuard no_grad;
  run_nodes(teachers_, tensors);
}

void Graph::run_model(TensorMap& tensors) const { run_nodes(model_, tensors); }

void Graph::run_available(TensorMap& tensors) const {
  torch::NoGradGuard no_grad;
  for (const auto* nodes : {&momentum_, &teachers_, &model_}) run_nodes(*nodes, tensors, /*skip_incomplete=*/true);
}

TensorMap Graph::evaluate_loss(const std::string& loss, const TensorMap& inputs) const {
  auto it = std::find_if(losses_.begin(), losses_.end(), [&](const LossNode& n) { return n.plan->name == loss; });
  if (it == losses_.end()) {
    std::vector<std::string> names;
    for (const auto& n : losses_) names.push_back(n.plan->name);
    throw Error(fmt::format("no loss named `{}` to evaluate; losses: {}", loss, fmt::join(names, ", ")));
  }
  torch::NoGradGuard no_grad;
  return at_node(*it->plan, "evaluating", [&] { return it->loss->evaluate(inputs); }, &inputs);
}

LossValues Graph::compute_losses(const TensorMap& tensors, bool skip_incomplete) const {
  LossValues result;
  for (const auto& node : losses_) {
    const NodePlan& plan = *node.plan;
    if (skip_incomplete && !has_all_inputs(plan, tensors)) continue;
    TensorMap inputs;
    for (const auto& [port, tensor] : plan.inputs) inputs[port] = require(tensors, tensor);
    LossOutput output = at_node(plan, "computing", [&] { return node.loss->compute(inputs); }, &inputs);
    if (const std::string problem = loss_output_problem(output, node.metrics); !problem.empty())
      throw Error("computing " + node_label(plan) + ": " + problem);
    if (!output.loss.requires_grad()) result.without_gradient.push_back(&plan);
    torch::Tensor weighted = output.loss.reshape({}) * plan.weight;
    result.total = result.total.defined() ? result.total + weighted : weighted;
    result.values[plan.name + ".loss"] = output.loss.detach().reshape({});
    for (const auto& [metric, value] : output.metrics) result.values[plan.name + "." + metric] = value.detach();
  }
  return result;
}

std::vector<std::pair<std::string, torch::nn::Module*>> Graph::stateful_modules() const {
  std::vector<std::pair<std::string, torch::nn::Module*>> modules;
  for (const auto* nodes : {&model_, &momentum_})
    for (const auto& n : *nodes)
      if (n.owner) modules.emplace_back(n.plan->key_path, n.module.get());
  for (const auto& n : losses_) modules.emplace_back(n.plan->key_path, n.loss.get());
  return modules;
}

std::vector<std::pair<std::string, torch::Tensor>> Graph::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> params;
  for (const auto& [prefix, module] : stateful_modules())
    for (const auto& item : module->named_parameters())
      if (item.value().requires_grad()) params.emplace_back(prefix + "." + item.key(), item.value());
  return params;
}

std::vector<std::string> Graph::parameter_counts() const {
  std::vector<std::string> lines;
  auto add = [&](const NodePlan& plan, const torch::nn::Module& module) {
    const int64_t count = parameter_count(module);
    if (count > 0)
      lines.push_back(fmt::format("{} ({}): {} parameters", plan.key_path, plan.entry->info.type,
                                  format_parameter_count(count)));
  };
  for (const auto* nodes : {&teachers_, &model_})
    for (const auto& n : *nodes)
      if (n.owner) add(*n.plan, *n.module);
  for (const auto& n : losses_) add(*n.plan, *n.loss);
  return lines;
}

std::vector<Graph::NodeCost> Graph::node_costs() const {
  auto matrix_parameters = [](const torch::nn::Module& module) {
    int64_t count = 0;
    for (const auto& item : module.named_parameters()) {
      const std::string& name = item.key();
      const bool table = name.find("token") != std::string::npos ||
                         (name.find("embed") != std::string::npos && name.find("patch") == std::string::npos);
      if (item.value().dim() >= 2 && !table) count += item.value().numel();
    }
    return count;
  };
  std::vector<NodeCost> costs;
  for (const auto* nodes : {&momentum_, &teachers_, &model_})
    for (const auto& n : *nodes)
      costs.push_back({n.plan->outputs, matrix_parameters(*n.module), nodes == &model_ && !n.plan->frozen});
  return costs;
}

TensorMap Graph::state() const {
  TensorMap state;
  for (const auto& [prefix, module] : stateful_modules()) {
    for (const auto& item : module->named_parameters()) state[prefix + "." + item.key()] = item.value().detach();
    for (const auto& item : module->named_buffers()) state[prefix + "." + item.key()] = item.value().detach();
  }
  return state;
}

void Graph::load_state(const TensorMap& state) {
  torch::NoGradGuard no_grad;
  size_t used = 0;
  for (const auto& [prefix, module] : stateful_modules()) {
    auto load = [&, prefix = prefix](const std::string& key, torch::Tensor target) {
      const std::string name = prefix + "." + key;
      auto it = state.find(name);
      if (it == state.end()) throw Error("checkpoint has no tensor `" + name + "`");
      if (it->second.sizes() != target.sizes())
        throw Error(fmt::format("checkpoint tensor `{}` has shape {}, the model expects {}", name,
                                fmt::join(it->second.sizes(), "x"), fmt::join(target.sizes(), "x")));
      target.copy_(it->second);
      ++used;
    };
    for (const auto& item : module->named_parameters()) load(item.key(), item.value());
    for (const auto& item : module->named_buffers()) load(item.key(), item.value());
  }
  if (used != state.size()) {
    TensorMap expected = this->state();
    for (const auto& [name, _] : state)
      if (!expected.count(name)) throw Error("checkpoint tensor `" + name + "` belongs to no module of this experiment");
  }
}

TensorMap Graph::extra_state() const {
  TensorMap extra;
  for (const auto& n : model_)
    if (n.owner)
      for (const auto& [key, value] : n.module->extra_state()) extra[n.plan->key_path + "." + key] = value;
  for (const auto& n : losses_)
    for (const auto& [key, value] : n.loss->extra_state()) extra[n.plan->key_path + "." + key] = value;
  return extra;
}

void Graph::load_extra_state(const TensorMap& state) {
  auto part = [&](const std::string& prefix) {
    TensorMap sub;
    for (const auto& [key, value] : state)
      if (key.rfind(prefix + ".", 0) == 0) sub[key.substr(prefix.size() + 1)] = value;
    return sub;
  };
  for (const auto& n : model_)
    if (n.owner) n.module->load_extra_state(part(n.plan->key_path));
  for (const auto& n : losses_) n.loss->load_extra_state(part(n.plan->key_path));
}

}  // namespace mmkd

#include "graph/wiring_checks.hpp"

#include "util/names.hpp"

#include <algorithm>
#include <map>

namespace mmkd {
namespace {

std::vector<std::string> tensor_names(const WrittenTensors& written) {
  std::vector<std::string> names;
  for (const auto& w : written) names.push_back(w.tensor);
  return names;
}

// The outputs a component declares; those of its default options when they depend on options.
std::vector<Port> declared_outputs(const ComponentInfo& info) {
  if (!info.dynamic_outputs) return info.outputs;
  std::map<std::string, Options::Entry> defaults;
  for (const auto& option : info.options)
    if (option.default_value) defaults[option.name] = {*option.default_value, {}, false};
  try {
    return info.outputs_for(Options(info.type, {}, defaults));
  } catch (const std::exception&) {
    return {};
  }
}

std::string last_segment(const std::string& tensor) {
  auto dot = tensor.rfind('.');
  return dot == std::string::npos ? tensor : tensor.substr(dot + 1);
}

// Every name any node of the graph sections could write, for "written later" hints.
WrittenTensors all_graph_outputs(const Registry& registry, const ConfigNode& config) {
  WrittenTensors names;
  for (const char* section : {"teachers", "model"}) {
    const ConfigNode* nodes = config.find(section);
    if (!nodes || !nodes->is_map()) continue;
    for (const auto& [name, node] : nodes->entries()) {
      const ConfigNode* type = node.is_map() ? node.find("type") : nullptr;
      if (!type || !type->is_scalar()) continue;
      const auto* entry = registry.find(std::string(section) == "teachers" ? Kind::Teacher : Kind::Encoder, type->value());
      if (!entry) continue;
      for (const auto& port : declared_outputs(entry->info))
        names.push_back({name + "." + port.name, std::string(section) + "." + name});
    }
  }
  return names;
}

}  // namespace

bool is_written(const WrittenTensors& written, const std::string& tensor) {
  return std::any_of(written.begin(), written.end(), [&](const WrittenTensor& w) { return w.tensor == tensor; });
}

WrittenTensors writes_of(const NodePlan& node) {
  WrittenTensors writes;
  for (const auto& out : node.outputs) writes.push_back({out, node.key_path});
  return writes;
}

WiringChecks::WiringChecks(const Registry& registry, const ConfigNode& config, std::vector<Diagnostic>& errors)
    : registry_(registry), errors_(errors), later_(all_graph_outputs(registry, config)) {}

void WiringChecks::check_inputs(const NodePlan& node, const WrittenTensors& available) {
  const std::vector<std::string> names = tensor_names(available);
  for (const auto& [port, tensor] : node.inputs) {
    if (is_written(available, tensor)) continue;
    std::string message = "tensor `" + tensor + "` is not written before this node";
    const std::string& wanted = tensor;
    auto writer = std::find_if(later_.begin(), later_.end(), [&](const WrittenTensor& w) { return w.tensor == wanted; });
    if (writer != later_.end() && writer->writer != node.key_path) {
      message += "; it is written by `" + writer->writer + "`, which runs later: move that node before `" + node.key_path + "`";
    } else {
      message += did_you_mean(tensor, names);
      message += "; written so far: " + (names.empty() ? std::string("none") : join_names(names));
      std::string producers = could_write(tensor);
      if (!producers.empty()) message += "; components that output `" + last_segment(tensor) + "`: " + producers;
    }
    error(node.where, node.key_path + ".inputs." + port, message);
  }
}

void WiringChecks::check_momentum_inputs(const NodePlan& node, const WrittenTensors& available) {
  for (const auto& [port, tensor] : node.inputs)
    if (!is_written(available, tensor))
      error(node.where, "momentum.nodes",
            "the momentum copy of `" + node.momentum_of + "` reads `" + tensor + "` (input `" + port +
                "`), but momentum copies run first in a step and see only `batch.*` and earlier copies: add `" +
                tensor.substr(0, tensor.find('.')) + "` to momentum.nodes or read the batch");
}

// Validation runs every node whose inputs the set provides (directly or through earlier
// nodes) and skips the others: the evaluator's inputs must be among what runs. An input no
// training node writes either is reported at its node already.
void WiringChecks::check_evaluator_inputs(const NodePlan& evaluator, const NodePlan& set, const ExperimentPlan& plan,
                                          const WrittenTensors& trained) {
  WrittenTensors available = writes_of(set);
  std::map<std::string, std::string> skipped;  // tensor -> why its node does not run
  for (const auto* nodes : {&plan.momentum, &plan.teachers, &plan.model})
    for (const auto& node : *nodes) {
      auto present = [&](const std::string& tensor) {
        return is_written(available, tensor) || !is_written(trained, tensor);
      };
      const bool runs = runs_with(node, present);
      auto missing = std::find_if(node.inputs.begin(), node.inputs.end(), [&](const auto& input) {
        return !present(input.second) && !is_optional_input(node, input.first);
      });
      if (missing == node.inputs.end())
        missing = std::find_if(node.inputs.begin(), node.inputs.end(), [&](const auto& in) { return !present(in.second); });
      for (const auto& out : node.outputs) {
        if (runs)
          available.push_back({out, node.key_path});
        else
          skipped[out] = node.key_path + " does not run there: it reads `" + missing->second + "`, which " +
                         set.key_path + " does not provide";
      }
    }
  for (const auto& [port, tensor] : evaluator.inputs) {
    if (is_written(available, tensor)) continue;
    auto why = skipped.find(tensor);
    error(evaluator.where, evaluator.key_path + ".inputs." + port,
          "tensor `" + tensor + "` is not computed in validation on " + set.key_path + ": " +
              (why != skipped.end() ? why->second : "no node writes it" + did_you_mean(tensor, tensor_names(available))));
  }
}

void WiringChecks::check_best_metric(const ExperimentPlan& plan) {
  const std::string best = plan.eval.get<std::string>("best_metric");
  if (best.empty()) return;
  std::vector<std::string> metrics;
  for (const auto& node : plan.evaluators)
    for (const auto& metric : node.outputs) metrics.push_back("eval." + node.name + "." + metric);
  if (std::find(metrics.begin(), metrics.end(), best) == metrics.end())
    error(plan.eval.where("best_metric"), "eval.best_metric",
          "`" + best + "` is no metric of this experiment's evaluators" + did_you_mean(best, metrics) +
              "; metrics: " + (metrics.empty() ? std::string("none (add eval.evaluators)") : join_names(metrics)));
}

std::string WiringChecks::could_write(const std::string& tensor) {
  std::vector<std::string> producers;
  const std::string output = last_segment(tensor);
  for (Kind kind : {Kind::Dataset, Kind::Teacher, Kind::Encoder})
    for (const auto* entry : registry_.entries(kind))
      for (const auto& port : declared_outputs(entry->info))
        if (port.name == output) producers.push_back(std::string(kind_name(kind)) + "/" + entry->info.type);
  return join_names(producers);
}

}  // namespace mmkd

#include "cli/probe_command.hpp"

#include "cli/describe.hpp"
#include "config/experiment_file.hpp"
#include "util/names.hpp"
#include "config/option_check.hpp"
#include "graph/graph.hpp"

#include <mmkd/safetensors.hpp>

#include <c10/util/Exception.h>

namespace mmkd {

namespace {

const SourceLocation kCommandLine{"<command line>"};

const Registry::Entry& find_probed_component(const Registry& registry, const std::string& component) {
  const std::string kind_text = component.substr(0, component.find('/'));
  for (Kind kind : {Kind::Dataset, Kind::Evaluator, Kind::Logger})
    if (kind_text == kind_name(kind))
      throw ConfigError(kCommandLine, component,
                        "cannot probe a " + kind_text + ": probe runs one component on tensors, so it takes encoder, teacher, loss");
  return find_component(registry, component);
}

TensorMap probe_inputs(const ComponentInfo& info, const std::string& component, const std::string& path) {
  TensorMap file = read_safetensors(path);
  TensorMap inputs;
  for (const Port& port : info.inputs) {
    auto it = file.find(port.name);
    if (it == file.end()) {
      if (port.optional) continue;
      std::vector<std::string> present;
      for (const auto& [name, _] : file) present.push_back(name);
      throw ConfigError(SourceLocation{path}, port.name,
                        "no tensor for input `" + port.name + "` of " + component + did_you_mean(port.name, present) +
                            "; probe reads each input from the tensor named after it; tensors in the file: " +
                            (present.empty() ? "none" : join_names(present)));
    }
    torch::Tensor tensor = it->second;
    if (tensor.is_floating_point()) tensor.requires_grad_(true);
    inputs[port.name] = tensor;
  }
  return inputs;
}

template <class Fn>
auto inside_component(const std::string& component, Fn&& fn) {
  try {
    return fn();
  } catch (const ConfigError&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(component + " (node probe): " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Error(component + " (node probe): " + e.what());
  }
}

// Gradients of the sum of the differentiable outputs (a loss: its value, not its metrics)
// with respect to the inputs.
void add_input_gradients(const TensorMap& inputs, TensorMap& outputs, bool loss_only) {
  torch::Tensor total;
  for (const auto& [name, output] : outputs)
    if ((!loss_only || name == "loss") && output.defined() && output.is_floating_point() && output.requires_grad())
      total = total.defined() ? total + output.sum() : output.sum();
  if (!total.defined()) return;
  total.backward();
  for (const auto& [name, input] : inputs)
    if (input.grad().defined()) outputs["grad." + name] = input.grad();
}

TensorMap run_component(const Registry& registry, const Registry::Entry& entry, const Options& options,
                        const TensorMap& inputs) {
  Context context;
  context.device = torch::kCPU;
  context.node_name = "probe";
  TensorMap outputs;
  std::shared_ptr<torch::nn::Module> component;  // alive until backward has run
  if (entry.kind == Kind::Encoder) {
    auto encoder = registry.create<Kind::Encoder>(entry, options, context);
    component = encoder;
    outputs = encoder->forward(inputs);
  } else if (entry.kind == Kind::Teacher) {
    auto teacher = registry.create<Kind::Teacher>(entry, options, context);
    component = teacher;
    teacher->eval();
    outputs = teacher->forward(inputs);
  } else {
    auto loss = registry.create<Kind::Loss>(entry, options, context);
    component = loss;
    LossOutput result = loss->compute(inputs);
    if (const std::string problem = loss_output_problem(result, entry.info.outputs_for(options)); !problem.empty())
      throw Error(entry.info.type + ": " + problem);
    outputs["loss"] = result.loss;
    for (const auto& [name, value] : result.metrics) outputs["metric." + name] = value;
  }
  add_input_gradients(inputs, outputs, entry.kind == Kind::Loss);
  return outputs;
}

}  // namespace

Options options_from_yaml(const Registry::Entry& entry, const std::string& component, const std::string& config_yaml) {
  ConfigNode node = parse_yaml_string(config_yaml.empty() ? "{}" : config_yaml, "--config");
  if (node.is_null()) node = ConfigNode::map(node.where());
  if (!node.is_map())
    throw ConfigError(node.where(), component, "expected a map of options such as {dim: 8}, got " + node.describe());
  std::vector<Diagnostic> errors;
  Options options = check_options(entry.info.options, node, component, {"type", "inputs", "weight", "share"}, errors);
  if (!errors.empty()) throw ConfigError(errors);
  return options;
}


namespace {

// What a reader of the outputs should know: non-finite values, and a loss no input reaches.
std::vector<std::string> probe_warnings(const Registry::Entry& entry, const TensorMap& inputs, const TensorMap& outputs) {
  std::vector<std::string> warnings;
  for (const auto& [name, tensor] : outputs)
    if (tensor.defined() && tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>())
      warnings.push_back("output `" + name + "` holds NaN or Inf");
  const bool float_input = std::any_of(inputs.begin(), inputs.end(), [](const auto& in) { return in.second.is_floating_point(); });
  const bool any_gradient = std::any_of(outputs.begin(), outputs.end(), [](const auto& out) { return out.first.rfind("grad.", 0) == 0; });
  if (entry.kind == Kind::Loss && float_input && !any_gradient)
    warnings.push_back("the loss does not depend on its inputs (detached?): no grad.* written");
  return warnings;
}

}  // namespace

std::vector<std::string> run_probe(const Registry& registry, const ProbeRequest& request) {
  const Registry::Entry& entry = find_probed_component(registry, request.component);
  Options options = options_from_yaml(entry, request.component, request.config_yaml);
  TensorMap inputs = probe_inputs(entry.info, request.component, request.inputs_path);
  torch::manual_seed(request.seed);
  TensorMap outputs = inside_component(request.component, [&] { return run_component(registry, entry, options, inputs); });
  write_safetensors(request.output_path, outputs);
  return probe_warnings(entry, inputs, outputs);
}

}  // namespace mmkd

#pragma once
// `mmkd probe KIND/TYPE`: one component run on tensors from a safetensors file; its outputs
// and the gradients of their sum (a loss: of its value) with respect to its inputs are written
// to another.
// Teachers run in eval mode, encoders and losses in training mode, as in a training step.
#include <mmkd/registry.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mmkd {

struct ProbeRequest {
  std::string component;    // "KIND/TYPE", e.g. "encoder/vit"
  std::string config_yaml;  // the component's options, e.g. "{dim: 8}"
  std::string inputs_path;  // safetensors: one tensor per input port, named after the port
  std::string output_path;  // safetensors: outputs ("loss", "metric.<name>" for losses) and "grad.<input>"
  uint64_t seed = 0;        // for the component's randomly initialised parameters
};

// A component's options from a YAML map given on the command line ("{dim: 8}"), checked
// against its declaration; `component` ("loss/mse") names it in errors.
Options options_from_yaml(const Registry::Entry& entry, const std::string& component, const std::string& config_yaml);

// Writes the outputs; returns warnings (non-finite outputs, a loss no input reaches).
std::vector<std::string> run_probe(const Registry& registry, const ProbeRequest& request);

}  // namespace mmkd

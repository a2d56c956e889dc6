#pragma once
// `mmkd validate --shapes`: the first samples of the training set through the whole graph on
// CPU, so shape mismatches surface before a run starts.
#include "graph/experiment_plan.hpp"

#include <mmkd/tensor_map.hpp>

namespace mmkd {

struct ShapeCheck {
  TensorMap tensors;                      // every tensor of the step, by name
  std::map<std::string, double> losses;  // "<loss>.loss" and metrics
};

// Creates the training dataset and the graph, and runs `samples` samples through momentum
// copies, teachers, model and losses in eval mode (no state changes), with the checks of a
// training step: a component's error propagates naming the node, its inputs and their shapes;
// a loss must be a scalar with its declared metrics and reach a trained parameter.
ShapeCheck check_shapes(const Registry& registry, const ExperimentPlan& plan, int64_t samples = 2);

// One line per tensor: "  image.cls [2, 64] Float".
std::string describe_shapes(const ShapeCheck& check);

}  // namespace mmkd

#include "train/shape_check.hpp"

#include "data/batch_loader.hpp"
#include "data/concat_dataset.hpp"
#include "graph/graph.hpp"

#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mmkd {

ShapeCheck check_shapes(const Registry& registry, const ExperimentPlan& plan, int64_t samples) {
  const Context context = base_context(plan);
  const NodePlan& data = *plan.train_data;
  auto dataset = create_dataset(registry, data, context);
  if (dataset->size() < samples)
    throw Error(fmt::format("{}: {} samples, the shape check needs {}", node_label(data), dataset->size(), samples));
  LoaderOptions loading;
  loading.batch_size = samples;
  loading.drop_last = true;
  loading.seed = plan.seed;
  BatchLoader loader(dataset, loading);

  Graph graph(registry, plan, context);
  graph.set_training(false);
  ShapeCheck check;
  check.tensors = loader.batch(0, 0);
  graph.run_momentum(check.tensors);
  graph.run_teachers(check.tensors);
  graph.run_model(check.tensors);
  const LossValues losses = graph.compute_losses(check.tensors);
  if (const std::string problem = losses_without_gradient_problem(losses); !problem.empty()) throw Error(problem);
  for (const auto& [name, value] : losses.values) check.losses[name] = value.item<double>();
  for (auto& [name, tensor] : check.tensors) tensor = tensor.detach();
  return check;
}

std::string describe_shapes(const ShapeCheck& check) {
  std::string text;
  for (const auto& [name, tensor] : check.tensors)
    text += fmt::format("  {} [{}] {}\n", name, fmt::join(tensor.sizes(), ", "), c10::toString(tensor.scalar_type()));
  for (const auto& [name, value] : check.losses) text += fmt::format("  {} = {:.6g}\n", name, value);
  return text;
}

}  // namespace mmkd

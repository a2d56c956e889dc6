#include "cli/eval_command.hpp"

#include "cli/trained_weights.hpp"
#include "graph/graph.hpp"
#include "train/results_table.hpp"
#include "train/trainer.hpp"

#include <torch/types.h>

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {
namespace {

std::string weights_file(const std::string& checkpoint) {
  if (!fs::is_directory(checkpoint)) return checkpoint;
  const fs::path best = fs::path(checkpoint) / "best.safetensors";
  return fs::exists(best) ? best.string() : trained_weights_of(checkpoint);
}

// eval_<stem> in the run folder holding the weights (above checkpoints/).
std::string default_out_dir(const std::string& weights) {
  fs::path folder = fs::absolute(weights).parent_path();
  if (folder.filename() == "checkpoints") folder = folder.parent_path();
  return (folder / ("eval_" + fs::path(weights).stem().string())).string();
}

}  // namespace

EvalOutcome run_evaluation(const Registry& registry, const ExperimentPlan& trained_plan, const EvalRequest& request) {
  if (trained_plan.evaluators.empty())
    throw ConfigError(trained_plan.eval.where(), "eval.evaluators", "the experiment has no evaluators to run");
  if (request.pretrained == !request.checkpoint.empty())
    throw ConfigError(SourceLocation{"<command line>"}, "eval",
                      "give either --checkpoint (trained weights) or --pretrained (the encoders' own checkpoints)");
  ExperimentPlan plan = trained_plan;
  if (!request.pretrained)
    for (auto* nodes : {&plan.model, &plan.momentum})
      for (auto& node : *nodes) node.options = without_pretrained_checkpoint(node.options);

  EvalOutcome outcome;
  outcome.weights = request.pretrained ? "pretrained checkpoints" : weights_file(request.checkpoint);
  outcome.out_dir = !request.out_dir.empty() ? request.out_dir
                    : request.pretrained      ? std::string("eval_pretrained")
                                              : default_out_dir(outcome.weights);
  const TensorMap weights = request.pretrained ? TensorMap() : read_trained_weights(outcome.weights);

  const torch::Device device = resolve_device(plan.trainer);
  set_torch_threads(plan.trainer);
  Context context = base_context(plan);
  context.device = device;
  torch::manual_seed(plan.seed);  // the initialisation `mmkd run` starts from (rank 0)
  Graph graph(registry, plan, context);
  if (!request.pretrained) graph.load_state(weights);
  graph.to(device);
  Validation validation(registry, plan, context);
  outcome.result = validation.run(graph, device);
  write_eval_results(outcome.out_dir,
                     fmt::format("{} ({})", plan.name,
                                 request.pretrained ? outcome.weights : fs::path(outcome.weights).filename().string()),
                     -1, outcome.result);
  return outcome;
}

}  // namespace mmkd

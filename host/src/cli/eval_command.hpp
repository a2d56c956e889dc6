#pragma once
// `mmkd eval EXP.yaml --checkpoint PATH`: the experiment's evaluators on trained weights,
// without training.
#include "graph/experiment_plan.hpp"
#include "train/validation.hpp"

#include <string>

namespace mmkd {

struct EvalRequest {
  std::string checkpoint;  // run folder (best.safetensors, else its final weights), .safetensors or .pt
  std::string out_dir;     // empty: eval_<weights file stem> in the run folder
};

struct EvalOutcome {
  EvalResult result;
  std::string weights;  // the file read
  std::string out_dir;  // where results.json and results.md were written
};

EvalOutcome run_evaluation(const Registry& registry, const ExperimentPlan& plan, const EvalRequest& request);

}  // namespace mmkd

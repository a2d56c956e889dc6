#pragma once
// `mmkd eval EXP.yaml --checkpoint PATH`: the experiment's evaluators on trained weights,
// without training; `--pretrained`: on the encoders as their pretrained checkpoints give them
// (thesis Table 10's unaligned Data2Vec2 row).
#include "graph/experiment_plan.hpp"
#include "train/validation.hpp"

#include <string>

namespace mmkd {

struct EvalRequest {
  std::string checkpoint;  // run folder (best.safetensors, else its final weights), .safetensors or .pt
  bool pretrained = false;  // instead: the model as the experiment builds it (its nodes' pretrained checkpoints)
  std::string out_dir;     // empty: eval_<weights file stem> in the run folder; eval_pretrained with `pretrained`
};

struct EvalOutcome {
  EvalResult result;
  std::string weights;  // the file read; "pretrained checkpoints" with `pretrained`
  std::string out_dir;  // where results.json and results.md were written
};

EvalOutcome run_evaluation(const Registry& registry, const ExperimentPlan& plan, const EvalRequest& request);

}  // namespace mmkd

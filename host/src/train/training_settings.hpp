#pragma once
// The trainer's settings, read once from the experiment's trainer, eval and momentum sections.
#include "graph/experiment_plan.hpp"

#include <cstdint>
#include <string>

namespace mmkd {

struct TrainingSettings {
  int64_t batch_size = 0;  // per rank and micro-batch
  int64_t accumulate = 1;  // micro-batches per optimizer step
  bool gradcache = false;  // accumulate_mode: gradcache (and accumulate > 1)
  int64_t max_steps = 0;   // 0: epochs decide
  int64_t epochs = 0;
  int64_t log_every = 0, checkpoint_every = 0, keep_checkpoints = 0;
  int64_t eval_every_epochs = 0, eval_every_steps = 0;
  double clip_grad_norm = 0;
  std::string precision;  // fp32, bf16, fp16
  bool time_phases = false;
  double peak_tflops = 0;       // 0: the known peak of the device
  bool momentum_first = true;   // the momentum copies run before the model

  static TrainingSettings read(const ExperimentPlan& plan);
};

}  // namespace mmkd

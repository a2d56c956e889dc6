#include "train/training_settings.hpp"

namespace mmkd {

TrainingSettings TrainingSettings::read(const ExperimentPlan& plan) {
  const Options& trainer = plan.trainer;
  TrainingSettings settings;
  settings.batch_size = trainer.get<int64_t>("batch_size");
  settings.accumulate = trainer.get<int64_t>("accumulate");
  settings.gradcache = settings.accumulate > 1 && trainer.get<std::string>("accumulate_mode") == "gradcache";
  settings.max_steps = trainer.get<int64_t>("max_steps");
  settings.epochs = trainer.get<int64_t>("epochs");
  settings.log_every = trainer.get<int64_t>("log_every");
  settings.checkpoint_every = trainer.get<int64_t>("checkpoint_every");
  settings.keep_checkpoints = trainer.get<int64_t>("keep_checkpoints");
  settings.eval_every_epochs = plan.eval.get<int64_t>("every_epochs");
  settings.eval_every_steps = plan.eval.get<int64_t>("every_steps");
  settings.clip_grad_norm = trainer.get<double>("clip_grad_norm");
  settings.precision = trainer.get<std::string>("precision");
  settings.time_phases = trainer.get<bool>("time_phases");
  settings.peak_tflops = trainer.get<double>("peak_tflops");
  settings.momentum_first = plan.momentum.empty() || plan.momentum_options.get<bool>("before_model");
  return settings;
}

}  // namespace mmkd

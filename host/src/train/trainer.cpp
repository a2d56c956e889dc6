#include "train/trainer.hpp"

#include "config/experiment_file.hpp"
#include "graph/graph.hpp"
#include "io/atomic_file.hpp"
#include "train/batch_loader.hpp"
#include "train/checkpoint.hpp"
#include "train/lr_schedule.hpp"
#include "train/metrics_log.hpp"
#include "train/mixed_precision.hpp"
#include "train/optimizer.hpp"
#include "train/progress_line.hpp"
#include "train/run_folder.hpp"
#include "train/stop_signal.hpp"
#include "train/validation.hpp"

#include <mmkd/safetensors.hpp>

#include <torch/torch.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mmkd {

torch::Device resolve_device(const Options& trainer) {
  const std::string name = trainer.get<std::string>("device");
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  try {
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available()) trainer.fail("device", "CUDA device `" + name + "` requested but CUDA is not available");
    return device;
  } catch (const c10::Error&) {
    trainer.fail("device", "unknown device `" + name + "`; expected auto, cpu, cuda or cuda:N");
  }
}

namespace {

class Run {
 public:
  Run(const Registry& registry, const ExperimentPlan& plan, const RunRequest& request)
      : registry_(registry), plan_(plan), trainer_(plan.trainer), device_(resolve_device(plan.trainer)),
        folder_(prepare_run_folder(plan.log.get<std::string>("runs_dir"), plan.name, request.run_dir, request.resume)),
        checkpoints_((fs::path(folder_.path) / "checkpoints").string()),
        progress_(isatty(STDOUT_FILENO) != 0) {}

  int execute() {
    const int64_t threads = trainer_.get<int64_t>("threads");
    torch::set_num_threads(threads > 0 ? static_cast<int>(threads) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    precision_ = trainer_.get<std::string>("precision");
    if (!device_.is_cuda() && precision_ != "fp32") {
      progress_.message("note: trainer.precision " + precision_ + " applies on CUDA; this run uses fp32 on " + device_.str());
      precision_ = "fp32";
    }
    torch::manual_seed(plan_.seed);

    Context context = base_context(plan_);
    context.device = device_;
    context.run_dir = folder_.path;

    const NodePlan& data = *plan_.train_data;
    auto dataset = at_node(data, "creating", [&] { return registry_.create<Kind::Dataset>(*data.entry, data.options, context); });
    const int64_t batch_size = trainer_.get<int64_t>("batch_size");
    const int64_t accumulate = trainer_.get<int64_t>("accumulate");
    BatchLoader loader(dataset, batch_size, /*shuffle=*/true, /*drop_last=*/true, plan_.seed);
    const int64_t steps_per_epoch = loader.batches_per_epoch() / accumulate;
    if (steps_per_epoch == 0)
      trainer_.fail("batch_size", fmt::format("the training set has {} samples, fewer than batch_size x accumulate = {}",
                                              dataset->size(), batch_size * accumulate));
    const int64_t max_steps = trainer_.get<int64_t>("max_steps");
    const int64_t total_steps = max_steps > 0 ? max_steps : trainer_.get<int64_t>("epochs") * steps_per_epoch;
    const int64_t epochs = (total_steps + steps_per_epoch - 1) / steps_per_epoch;

    Graph graph(registry_, plan_, context);
    graph.to(device_);
    graph.set_training(true);
    Validation validation(registry_, plan_, context);

    fs::create_directories(folder_.path);
    write_text_atomically((fs::path(folder_.path) / "config.yaml").string(), to_yaml(plan_.config));
    std::vector<std::shared_ptr<Logger>> loggers;
    for (const auto& node : plan_.loggers) {
      Context node_context = context;
      node_context.node_name = node.name;
      loggers.push_back(at_node(node, "creating", [&] { return registry_.create<Kind::Logger>(*node.entry, node.options, node_context); }));
    }

    auto named_parameters = graph.named_parameters();
    std::vector<torch::Tensor> parameters;
    for (const auto& [_, p] : named_parameters) parameters.push_back(p);
    auto optimizer = make_adamw(named_parameters, plan_.optimizer);
    CosineSchedule schedule{plan_.optimizer.get<double>("lr"), plan_.schedule.get<double>("min_lr"), 0, total_steps};
    schedule.warmup_steps = plan_.schedule.get<int64_t>("warmup_steps");
    if (schedule.warmup_steps == 0)
      schedule.warmup_steps = static_cast<int64_t>(plan_.schedule.get<double>("warmup_fraction") * static_cast<double>(total_steps));
    LossScaler scaler(device_.is_cuda() && precision_ == "fp16");

    TrainingPosition position;
    if (folder_.resumed) {
      const std::string path = *checkpoints_.latest();
      Checkpoint checkpoint = load_checkpoint(path, *optimizer);
      graph.load_state(checkpoint.modules);
      graph.load_extra_state(checkpoint.extra);
      set_rng_state(checkpoint.rng);
      scaler.set_value(checkpoint.loss_scale);
      position = checkpoint.position;
      progress_.message(fmt::format("resuming {} from {} (step {})", folder_.path, path, position.step));
    } else {
      progress_.message(fmt::format("run folder: {}", folder_.path));
    }
    MetricsLog metrics_log((fs::path(folder_.path) / "metrics.jsonl").string(), position.step);
    auto log = [&](int64_t step, const std::map<std::string, double>& metrics) {
      metrics_log.write(step, metrics);
      for (auto& logger : loggers) logger->log(step, metrics);
    };
    auto save = [&](const std::string& state) {
      Checkpoint checkpoint{position, graph.state(), graph.extra_state(), rng_state(), scaler.value(), to_yaml(plan_.config)};
      save_checkpoint(checkpoints_.path_for(position.step), checkpoint, *optimizer);
      checkpoints_.keep_newest(static_cast<size_t>(trainer_.get<int64_t>("keep_checkpoints")));
      write_run_status(folder_.path, state, position.step);
      last_saved_step_ = position.step;
    };
    write_run_status(folder_.path, "running", position.step);
    install_stop_signal_handlers();

    const int64_t log_every = trainer_.get<int64_t>("log_every");
    const int64_t checkpoint_every = trainer_.get<int64_t>("checkpoint_every");
    const int64_t eval_every = plan_.eval.get<int64_t>("every_epochs");
    const double clip = trainer_.get<double>("clip_grad_norm");
    std::map<std::string, double> interval_sums;
    int64_t interval_steps = 0;
    auto interval_start = std::chrono::steady_clock::now();
    const auto run_start = interval_start;
    const int64_t first_step = position.step;
    std::map<std::string, double> last_eval;
    int64_t last_eval_epoch = -1;

    while (position.step < total_steps) {
      const double lr = schedule.lr_at(position.step);
      set_learning_rate(*optimizer, lr);
      optimizer->zero_grad();
      std::map<std::string, double> step_values;
      graph.update_momentum();
      for (int64_t micro = 0; micro < accumulate; ++micro) {
        TensorMap tensors = loader.batch(position.epoch, position.batch_in_epoch + micro);
        for (auto& [_, t] : tensors) t = t.to(device_, /*non_blocking=*/true);
        LossValues losses;
        {
          AutocastGuard autocast(device_, precision_);
          graph.run_momentum(tensors);
        }
        graph.run_teachers(tensors);
        {
          AutocastGuard autocast(device_, precision_);
          graph.run_model(tensors);
          losses = graph.compute_losses(tensors);
        }
        const double total = losses.total.item<double>();
        if (!std::isfinite(total)) return diverged(losses, position.step);
        scaler.scale(losses.total / static_cast<double>(accumulate)).backward();
        step_values["loss"] += total / static_cast<double>(accumulate);
        for (const auto& [key, value] : losses.values) step_values[key] += value.item<double>() / static_cast<double>(accumulate);
      }
      const bool finite = scaler.unscale(parameters);
      if (finite) {
        if (clip > 0) step_values["grad_norm"] = torch::nn::utils::clip_grad_norm_(parameters, clip);
        optimizer->step();
      }
      scaler.update(finite);
      ++position.step;
      position.batch_in_epoch += accumulate;
      for (const auto& [key, value] : step_values) interval_sums[key] += value;
      ++interval_steps;

      const bool epoch_end = position.batch_in_epoch >= steps_per_epoch * accumulate;
      if (epoch_end) {
        ++position.epoch;
        position.batch_in_epoch = 0;
      }
      const bool last = position.step == total_steps;
      if (position.step % log_every == 0 || last || epoch_end) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - interval_start).count();
        std::map<std::string, double> metrics;
        for (const auto& [key, sum] : interval_sums) metrics[key] = sum / static_cast<double>(interval_steps);
        metrics["lr"] = lr;
        metrics["epoch"] = static_cast<double>(position.epoch);
        metrics["samples_per_second"] = static_cast<double>(interval_steps * batch_size * accumulate) / std::max(seconds, 1e-9);
        log(position.step, metrics);
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
        const double per_step = elapsed / static_cast<double>(position.step - first_step);
        const int64_t current_epoch = position.epoch + (position.batch_in_epoch > 0 ? 1 : 0);
        progress_.show({position.step, total_steps, current_epoch, epochs, metrics["loss"], lr,
                        metrics["samples_per_second"], per_step * static_cast<double>(total_steps - position.step)});
        interval_sums.clear();
        interval_steps = 0;
        interval_start = std::chrono::steady_clock::now();
      }
      if (epoch_end && validation.enabled() && eval_every > 0 && position.epoch % eval_every == 0) {
        last_eval = validate(validation, graph, log, position);
        last_eval_epoch = position.epoch;
      }
      if (epoch_end || (checkpoint_every > 0 && position.step % checkpoint_every == 0) || last) save("running");
      if (int signal_number = stop_signal_received()) {
        if (last_saved_step_ != position.step) save("interrupted");
        write_run_status(folder_.path, "interrupted", position.step);
        progress_.message(fmt::format("stopped by signal {} at step {}; checkpoint {} (continue with --resume)",
                                      signal_number, position.step, checkpoints_.path_for(position.step)));
        return 128 + signal_number;
      }
    }
    if (validation.enabled() && last_eval_epoch != position.epoch) last_eval = validate(validation, graph, log, position);
    write_safetensors((fs::path(folder_.path) / "final.safetensors").string(), graph.state());
    if (last_saved_step_ != position.step) save("running");
    write_run_status(folder_.path, "finished", position.step);
    for (auto& logger : loggers) logger->finish(true);
    progress_.message(fmt::format("finished {} steps; run folder {}", position.step, folder_.path));
    return kExitOk;
  }

 private:
  template <class LogFn>
  std::map<std::string, double> validate(Validation& validation, Graph& graph, LogFn& log, const TrainingPosition& position) {
    auto metrics = validation.run(graph, device_);
    log(position.step, metrics);
    std::string line = fmt::format("validation after epoch {} (step {}):", position.epoch, position.step);
    for (const auto& [key, value] : metrics) line += fmt::format(" {}={:.4f}", key, value);
    progress_.message(line);
    return metrics;
  }

  int diverged(const LossValues& losses, int64_t step) {
    std::string parts;
    for (const auto& [key, value] : losses.values) parts += fmt::format(" {}={}", key, value.item<double>());
    const std::string kept = checkpoints_.latest().value_or("none yet");
    const std::string detail = fmt::format("the loss became NaN or Inf at step {}:{}; last good checkpoint: {}", step + 1, parts, kept);
    write_run_status(folder_.path, "failed", step, detail);
    progress_.message("error: " + detail + " (lower the learning rate or enable clip_grad_norm, then --resume)");
    return kExitDiverged;
  }

  const Registry& registry_;
  const ExperimentPlan& plan_;
  const Options& trainer_;
  torch::Device device_;
  RunFolder folder_;
  CheckpointFolder checkpoints_;
  ProgressLine progress_;
  std::string precision_;
  int64_t last_saved_step_ = -1;
};

}  // namespace

int run_training(const Registry& registry, const ExperimentPlan& plan, const RunRequest& request) {
  return Run(registry, plan, request).execute();
}

}  // namespace mmkd

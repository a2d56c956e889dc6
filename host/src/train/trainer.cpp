#include "train/trainer.hpp"

#include "config/experiment_file.hpp"
#include "data/batch_loader.hpp"
#include "data/batch_transfer.hpp"
#include "data/cached_teachers.hpp"
#include "data/concat_dataset.hpp"
#include "distributed/gradient_sync.hpp"
#include "distributed/process_group.hpp"
#include "graph/graph.hpp"
#include "io/atomic_file.hpp"
#include "metrics/device_peak.hpp"
#include "metrics/finite_check.hpp"
#include "metrics/flop_estimate.hpp"
#include "metrics/interval_metrics.hpp"
#include "metrics/metrics_log.hpp"
#include "metrics/peak_memory.hpp"
#include "metrics/progress_line.hpp"
#include "metrics/step_timer.hpp"
#include "optim/gradient_clipping.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/mixed_precision.hpp"
#include "optim/optimizer.hpp"
#include "report/report_file.hpp"
#include "state/best_checkpoint.hpp"
#include "state/checkpoint.hpp"
#include "state/run_folder.hpp"
#include "train/feature_cache.hpp"
#include "train/results_table.hpp"
#include "train/stop_signal.hpp"
#include "train/training_settings.hpp"
#include "train/validation.hpp"

#include <mmkd/progress.hpp>
#include <mmkd/safetensors.hpp>

#include <torch/cuda.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <set>
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

void set_torch_threads(const Options& trainer) {
  const int64_t threads = trainer.get<int64_t>("threads");
  torch::set_num_threads(threads > 0 ? static_cast<int>(threads) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

namespace {

// What is due once a step is done.
struct DueAfterStep {
  bool epoch_end = false, log = false, eval = false, save = false;
  bool any() const { return log || eval || save; }
};

class Run {
 public:
  Run(const Registry& registry, const ExperimentPlan& plan, const RunRequest& request,
      std::shared_ptr<ProcessGroupCollectives> group, torch::Device device)
      : registry_(registry), plan_(plan), settings_(TrainingSettings::read(plan)), device_(device), group_(std::move(group)),
        writer_(!group_ || group_->rank() == 0), benchmark_(request.benchmark),
        folder_(shared_run_folder(plan, request, group_.get())),
        checkpoints_((fs::path(folder_.path) / "checkpoints").string()),
        progress_(isatty(STDOUT_FILENO) != 0),
        memory_(device_),
        scaler_(device_.is_cuda() && settings_.precision == "fp16"),
        best_(plan.eval, folder_.path, writer_),
        timer_(settings_.time_phases, device_),
        transfer_(device_) {}

  int execute() {
    prepare();
    status("running", position_.step);
    install_stop_signal_handlers();
    try {
      while (position_.step < total_steps_) {
        const double lr = schedule_.lr_at(position_.step);
        const int signal_number = step(lr);
        const DueAfterStep due = advance();
        if (due.any() || signal_number)
          if (auto nonfinite = finite_check_.first_nonfinite(group_.get())) return diverged(*nonfinite);
        if (due.log) log_interval(lr, due.epoch_end);
        if (due.eval && validation_->enabled()) validate();
        if (due.save) save("running");
        if (signal_number) return interrupted(signal_number);
      }
    } catch (const std::exception& e) {
      // A loss or evaluator that fails on NaN inputs reports the divergence, not its own error.
      if (auto nonfinite = finite_check_.first_nonfinite()) return diverged(*nonfinite);
      failed(e);
      throw;
    }
    if (validation_->enabled() && last_eval_step_ != position_.step) validate();
    if (writer_ && !benchmark_) write_safetensors((fs::path(folder_.path) / "final.safetensors").string(), graph_->state());
    if (last_saved_step_ != position_.step) save("running");
    status("finished", position_.step);
    for (auto& logger : loggers_) logger->finish(true);
    progress_.message(fmt::format("finished {} steps; run folder {}", position_.step, folder_.path));
    return kExitOk;
  }

 private:
  // One optimizer step over `accumulate` micro-batches; returns the stop signal the ranks agreed
  // on before the last backward pass (0: none).
  int step(double lr) {
    set_learning_rate(optimizer_, lr);
    zero_gradients(optimizer_);
    graph_->update_momentum();
    int signal_number = 0;
    auto before_last_backward = [&] {
      signal_number = agreed_stop_signal();
      if (averager_) averager_->arm();
    };
    FeatureCache cache;
    for (int64_t micro = 0; micro < settings_.accumulate; ++micro) {
      TensorMap tensors = next_micro_batch(micro);
      if (settings_.momentum_first) run_momentum(tensors);
      graph_->run_teachers(tensors);
      timer_.stop("teacher");
      if (settings_.gradcache) {
        cache_features(std::move(tensors), cache);
        continue;
      }
      LossValues losses;
      {
        AutocastGuard autocast(device_, settings_.precision);
        graph_->run_model(tensors);
        if (!settings_.momentum_first) graph_->run_momentum(tensors);
        losses = graph_->compute_losses(tensors);
      }
      count_step_flops(tensors);
      finite_check_.add(position_.step + 1, losses);
      timer_.stop("student");
      if (micro == settings_.accumulate - 1) before_last_backward();
      timer_.start();
      backward(settings_.accumulate > 1 ? losses.total / static_cast<double>(settings_.accumulate) : losses.total, losses);
      timer_.stop("backward");
    }
    if (settings_.gradcache) {
      timer_.start();
      LossValues losses;
      {
        AutocastGuard autocast(device_, settings_.precision);
        losses = graph_->compute_losses(cache.full_batch());
      }
      finite_check_.add(position_.step + 1, losses);
      backward(losses.total, losses);
      cache.replay([&](TensorMap& tensors) { run_model(tensors); }, before_last_backward);
      timer_.stop("backward");
    }
    if (averager_) averager_->finish();
    const bool finite = scaler_.unscale(parameters_);
    if (finite) {
      if (settings_.clip_grad_norm > 0) interval_.add("grad_norm", clip_gradient_norm(parameters_, settings_.clip_grad_norm));
      optimizer_.optimizer->step();
    }
    scaler_.update(finite);
    timer_.stop("optimizer");
    interval_.step_done();
    return signal_number;
  }

  // The position after a step, and what is due there.
  DueAfterStep advance() {
    ++position_.step;
    position_.batch_in_epoch += settings_.accumulate;
    DueAfterStep due;
    due.epoch_end = position_.batch_in_epoch >= steps_per_epoch_ * settings_.accumulate;
    if (due.epoch_end) {
      ++position_.epoch;
      position_.batch_in_epoch = 0;
    }
    const bool last = position_.step == total_steps_;
    due.log = position_.step % settings_.log_every == 0 || last || due.epoch_end;
    due.eval = (due.epoch_end && settings_.eval_every_epochs > 0 && position_.epoch % settings_.eval_every_epochs == 0) ||
               (settings_.eval_every_steps > 0 && position_.step % settings_.eval_every_steps == 0);
    due.save = due.epoch_end || (settings_.checkpoint_every > 0 && position_.step % settings_.checkpoint_every == 0) || last;
    return due;
  }

  // The training data, the model, the run folder and loggers, the optimizer and where to start.
  void prepare() {
    set_torch_threads(plan_.trainer);
    if (!device_.is_cuda() && settings_.precision != "fp32") {
      progress_.message("note: trainer.precision " + settings_.precision + " applies on CUDA; this run uses fp32 on " +
                        device_.str());
      settings_.precision = "fp32";
    }
    torch::manual_seed(plan_.seed + static_cast<uint64_t>(group_ ? group_->rank() : 0));
    Context context = base_context(plan_);
    context.device = device_;
    context.run_dir = folder_.path;
    if (group_) {
      context.rank = group_->rank();
      context.world_size = group_->world_size();
      context.collectives = group_;
    }
    prepare_data(context);
    graph_ = std::make_unique<Graph>(registry_, plan_, context);
    for (const auto& line : graph_->parameter_counts()) progress_.message(line);
    graph_->to(device_);
    graph_->set_training(true);
    validation_ = std::make_unique<Validation>(registry_, plan_, context);
    if (writer_) {
      claim_.emplace(folder_);
      write_text_atomically((fs::path(folder_.path) / "config.yaml").string(), to_yaml(plan_.config));
      for (const auto& node : plan_.loggers) {
        Context node_context = context;
        node_context.node_name = node.name;
        loggers_.push_back(
            at_node(node, "creating", [&] { return registry_.create<Kind::Logger>(*node.entry, node.options, node_context); }));
      }
    }
    prepare_optimizer();
    resume_or_start();
    if (group_) join_ranks();
    if (writer_) metrics_log_.emplace((fs::path(folder_.path) / "metrics.jsonl").string(), position_.step);
    peak_flops_ = settings_.peak_tflops * 1e12;
    if (peak_flops_ == 0) peak_flops_ = known_peak_tflops(device_name(device_), settings_.precision).value_or(0) * 1e12;
    first_step_ = position_.step;
    run_start_ = std::chrono::steady_clock::now();
    interval_ = IntervalMetrics();  // the first interval starts with the first step
  }

  void prepare_data(const Context& context) {
    auto dataset = training_dataset(registry_, plan_, context);
    LoaderOptions loading = loader_options(plan_, context);
    loading.teacher_cache = open_teacher_cache(plan_, dataset->size());
    if (loading.teacher_cache) loading.views = loading.teacher_cache->views();
    loading.batch_size = settings_.batch_size;
    loading.shuffle = loading.drop_last = true;
    loading.rank = context.rank;
    loading.world = world();
    loader_ = std::make_unique<BatchLoader>(dataset, loading);
    steps_per_epoch_ = loader_->batches_per_epoch() / settings_.accumulate;
    if (steps_per_epoch_ == 0)
      plan_.trainer.fail("batch_size", fmt::format("the training set has {} samples, fewer than batch_size x accumulate x ranks = {}",
                                                   dataset->size(), global_batch()));
    total_steps_ = settings_.max_steps > 0 ? settings_.max_steps : settings_.epochs * steps_per_epoch_;
    epochs_ = (total_steps_ + steps_per_epoch_ - 1) / steps_per_epoch_;
  }

  void prepare_optimizer() {
    auto named_parameters = graph_->named_parameters();
    for (const auto& [_, p] : named_parameters) parameters_.push_back(p);
    optimizer_ = make_adamw(named_parameters, plan_.optimizer);
    const double peak_lr = peak_learning_rate(plan_.optimizer, global_batch());
    if (peak_lr != plan_.optimizer.get<double>("lr"))
      progress_.message(fmt::format("learning rate {:g} x {} / {} = {:g} (linear scaling rule)",
                                    plan_.optimizer.get<double>("lr"), global_batch(),
                                    plan_.optimizer.get<int64_t>("lr_reference_batch"), peak_lr));
    schedule_ = lr_schedule_from(plan_.schedule, peak_lr, total_steps_);
  }

  void resume_or_start() {
    if (!folder_.resumed) {
      progress_.message(fmt::format("run folder: {}", folder_.path));
      return;
    }
    ReadableCheckpoint readable = load_newest_readable_checkpoint(checkpoints_, *optimizer_.optimizer);
    for (const auto& line : readable.unreadable) progress_.message("skipping a newer checkpoint: " + line);
    const Checkpoint& checkpoint = readable.checkpoint;
    graph_->load_state(checkpoint.modules);
    graph_->load_extra_state(checkpoint.extra);
    set_rng_state(checkpoint.rng);
    scaler_.set_value(checkpoint.loss_scale);
    position_ = checkpoint.position;
    progress_.message(fmt::format("resuming {} from {} (step {})", folder_.path, readable.path, position_.step));
  }

  // Every rank starts from rank 0's weights and averages its gradients with the others'.
  void join_ranks() {
    std::vector<torch::Tensor> tensors;
    for (const auto& [_, tensor] : graph_->state()) tensors.push_back(tensor);
    broadcast_from_rank0(tensors, *group_);
    averager_ = std::make_unique<GradientAverager>(parameters_, *group_);
    progress_.message(fmt::format("{} ranks ({}), batch {} per rank, gradients in {} buckets", group_->world_size(),
                                  device_.is_cuda() ? "NCCL" : "Gloo", settings_.batch_size, averager_->buckets()));
  }

  int world() const { return group_ ? group_->world_size() : 1; }
  int64_t global_batch() const { return settings_.batch_size * settings_.accumulate * world(); }

  // The micro-batch on the device; the next one of the epoch is copied while this one computes
  // (not the next epoch's: its dataset counters belong to that epoch).
  TensorMap next_micro_batch(int64_t micro) {
    timer_.start();
    const int64_t index = position_.batch_in_epoch + micro;
    if (!transfer_.pending()) transfer_.start(host_batch(index));
    TensorMap tensors = transfer_.take();
    if ((position_.step + 1 < total_steps_ || micro + 1 < settings_.accumulate) &&
        index + 1 < steps_per_epoch_ * settings_.accumulate)
      transfer_.start(host_batch(index + 1));
    timer_.stop(kDataPhase);
    return tensors;
  }

  // `mmkd bench` replays the first batch.
  TensorMap host_batch(int64_t index) {
    if (!benchmark_) return loader_->batch(position_.epoch, index);
    if (!replayed_) replayed_ = loader_->batch(0, 0);
    return *replayed_;
  }

  void run_model(TensorMap& tensors) {
    AutocastGuard autocast(device_, settings_.precision);
    graph_->run_model(tensors);
  }

  void run_momentum(TensorMap& tensors) {
    AutocastGuard autocast(device_, settings_.precision);
    graph_->run_momentum(tensors);
  }

  // GradCache: the model's outputs without autograd, kept with the inputs and generator state to run again.
  void cache_features(TensorMap tensors, FeatureCache& cache) {
    TensorMap inputs = tensors;
    TensorMap rng = rng_state();
    std::set<std::string> model_keys;
    {
      torch::NoGradGuard no_grad;
      run_model(tensors);
      for (const auto& [key, value] : tensors)
        if (!inputs.count(key)) model_keys.insert(key);
      if (!settings_.momentum_first) run_momentum(tensors);
    }
    count_step_flops(tensors);
    cache.add(std::move(inputs), std::move(rng), std::move(tensors), model_keys);
    timer_.stop("student");
  }

  void count_step_flops(const TensorMap& tensors) {
    if (step_flops_ == 0) step_flops_ = estimate_step_flops(*graph_, tensors) * static_cast<double>(settings_.accumulate);
  }

  void backward(const torch::Tensor& loss, const LossValues& losses) {
    if (const std::string problem = losses_without_gradient_problem(losses); !problem.empty()) throw Error(problem);
    scaler_.scale(loss).backward();
    interval_.add_losses(losses);
  }

  // Every rank agrees on stopping before the last backward pass starts its collectives.
  int agreed_stop_signal() {
    int signal_number = stop_signal_received();
    if (group_) {
      torch::Tensor flag = torch::tensor({signal_number ? 1.0 : 0.0}, torch::kDouble);
      group_->all_reduce_sum(flag);
      if (flag.item<double>() > 0 && !signal_number) signal_number = SIGINT;
    }
    return signal_number;
  }

  // The interval's means, learning rate, epoch, throughput, phases and memory to the metrics
  // log and loggers, and the progress line.
  void log_interval(double lr, bool epoch_end) {
    const double seconds = std::max(interval_.seconds(), 1e-9);
    const int64_t steps = interval_.steps();
    std::map<std::string, double> metrics = interval_.take_means(group_.get());
    metrics["lr"] = lr;
    metrics["epoch"] = static_cast<double>(position_.epoch);
    if (epoch_end)
      for (const auto& [name, count] : loader_->dataset().counters()) {
        metrics["data.train." + name] = static_cast<double>(count);
        if (count > 0) progress_.message(fmt::format("data.train: {} {} so far", count, name));
      }
    metrics["samples_per_second"] = static_cast<double>(steps * global_batch()) / seconds;
    metrics["tflops_per_second"] = step_flops_ * static_cast<double>(steps) / seconds / 1e12;
    if (peak_flops_ > 0) metrics["mfu"] = metrics["tflops_per_second"] * 1e12 / peak_flops_;
    metrics.merge(timer_.per_step(steps));
    if (memory_.measured()) metrics["memory.peak_mib"] = static_cast<double>(memory_.read_and_reset()) / (1 << 20);
    log(metrics);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start_).count();
    const double per_step = elapsed / static_cast<double>(position_.step - first_step_);
    const int64_t current_epoch = position_.epoch + (position_.batch_in_epoch > 0 ? 1 : 0);
    progress_.show({position_.step, total_steps_, current_epoch, epochs_, metrics["loss"], lr, metrics["samples_per_second"],
                    per_step * static_cast<double>(total_steps_ - position_.step)});
  }

  void log(const std::map<std::string, double>& metrics) {
    if (!writer_) return;
    metrics_log_->write(position_.step, metrics);
    for (auto& logger : loggers_) logger->log(position_.step, metrics);
  }

  void save(const std::string& state) {
    last_saved_step_ = position_.step;
    if (!writer_ || benchmark_) return;
    Checkpoint checkpoint{position_, graph_->state(), graph_->extra_state(), rng_state(), scaler_.value(), to_yaml(plan_.config)};
    save_checkpoint(checkpoints_.path_for(position_.step), checkpoint, *optimizer_.optimizer);
    checkpoints_.keep_newest(static_cast<size_t>(settings_.keep_checkpoints));
    write_run_status(folder_.path, state, position_.step);
  }

  int interrupted(int signal_number) {
    if (last_saved_step_ != position_.step) save("interrupted");
    status("interrupted", position_.step);
    progress_.message(fmt::format("stopped by signal {} at step {}; checkpoint {} (continue with --resume)", signal_number,
                                  position_.step, checkpoints_.path_for(position_.step)));
    for (auto& logger : loggers_) logger->finish(false);
    return 128 + signal_number;
  }

  // Rank 0 picks (or finds, to resume) the run folder; every rank uses it.
  static RunFolder shared_run_folder(const ExperimentPlan& plan, const RunRequest& request, ProcessGroupCollectives* group) {
    RunFolder folder;
    if (!group || group->rank() == 0)
      folder = prepare_run_folder(plan.log.get<std::string>("runs_dir"), plan.name, request.run_dir, request.resume);
    if (!group) return folder;
    folder.path = group->share_from_rank0("run_dir", folder.path);
    folder.resumed = group->share_from_rank0("resumed", folder.resumed ? "1" : "0") == "1";
    return folder;
  }

  // status.json, and at the end of the run (finished, interrupted, failed) RUN/report.html.
  void status(const std::string& state, int64_t step, const std::string& detail = "") {
    if (writer_) write_run_status(folder_.path, state, step, detail);
    if (writer_ && !benchmark_ && state != "running")
      if (const std::string warning = write_report_or_warning(folder_.path); !warning.empty()) progress_.message(warning);
  }

  // Logs the metrics, writes RUN/eval/results.{json,md} and keeps the best weights.
  void validate() {
    const EvalResult result = validation_->run(*graph_, device_);
    log(result.metrics);
    last_eval_step_ = position_.step;
    std::string line = fmt::format("validation after epoch {} (step {}):", position_.epoch, position_.step);
    for (const auto& [key, value] : result.metrics) line += fmt::format(" {}={:.4f}", key, value);
    progress_.message(line);
    if (!writer_) return;
    write_eval_results((fs::path(folder_.path) / "eval").string(), fmt::format("{} (step {})", plan_.name, position_.step),
                       position_.step, result);
    if (best_.enabled() && best_.offer(position_.step, result.metrics, graph_->state()))
      progress_.message(fmt::format("best {} so far: {:.4f} (best.safetensors)", best_.metric(), best_.value()));
  }

  // status.json says `failed` with the error, and the loggers close as failed, before the error
  // ends the run (the last checkpoint stays resumable).
  void failed(const std::exception& e) {
    for (auto& logger : loggers_) logger->finish(false);
    status("failed", position_.step, error_text(e));
  }

  int diverged(const NonfiniteStep& nonfinite) {
    for (auto& logger : loggers_) logger->finish(false);
    std::string parts;
    for (const auto& [key, value] : nonfinite.values) parts += fmt::format(" {}={}", key, value.item<double>());
    const std::string kept = checkpoints_.latest().value_or("none yet");
    const std::string detail = fmt::format("the loss became NaN or Inf at step {}{}:{}; last good checkpoint: {}", nonfinite.step,
                                           nonfinite.values.empty() ? " on another rank" : "", parts, kept);
    status("failed", nonfinite.step - 1, detail);
    progress_.message("error: " + detail + " (lower the learning rate or enable clip_grad_norm, then --resume)");
    return kExitDiverged;
  }

  const Registry& registry_;
  const ExperimentPlan& plan_;
  TrainingSettings settings_;
  torch::Device device_;
  std::shared_ptr<ProcessGroupCollectives> group_;
  bool writer_;
  bool benchmark_;
  RunFolder folder_;
  CheckpointFolder checkpoints_;
  ProgressLine progress_;
  PeakMemory memory_;
  LossScaler scaler_;
  BestCheckpoint best_;
  StepTimer timer_;
  BatchTransfer transfer_;

  std::unique_ptr<BatchLoader> loader_;
  int64_t steps_per_epoch_ = 0, total_steps_ = 0, epochs_ = 0;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<Validation> validation_;
  std::optional<RunFolderClaim> claim_;
  std::vector<std::shared_ptr<Logger>> loggers_;
  std::vector<torch::Tensor> parameters_;
  AdamWGroups optimizer_;
  LrSchedule schedule_;
  std::unique_ptr<GradientAverager> averager_;
  std::optional<MetricsLog> metrics_log_;

  TrainingPosition position_;
  IntervalMetrics interval_;
  FiniteCheck finite_check_;
  double peak_flops_ = 0, step_flops_ = 0;
  std::optional<TensorMap> replayed_;
  std::chrono::steady_clock::time_point run_start_;
  int64_t first_step_ = 0, last_eval_step_ = -1, last_saved_step_ = -1;
};

}  // namespace

int run_training(const Registry& registry, const ExperimentPlan& plan, const RunRequest& request) {
  torch::Device device = resolve_device(plan.trainer);
  std::shared_ptr<ProcessGroupCollectives> group;
  if (auto env = distributed_env_from_environment()) {
    if (device.is_cuda() && !device.has_index()) device = torch::Device(torch::kCUDA, static_cast<int8_t>(env->local_rank));
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(plan.trainer.get<double>("distributed_timeout") * 1000));
    group = std::make_shared<ProcessGroupCollectives>(*env, device, timeout);
    if (env->rank != 0 && !std::freopen("/dev/null", "w", stdout))
      throw Error("rank " + std::to_string(env->rank) + ": cannot silence standard output");
    show_progress(env->rank == 0);
  }
  return Run(registry, plan, request, group, device).execute();
}

}  // namespace mmkd

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

class Run {
 public:
  Run(const Registry& registry, const ExperimentPlan& plan, const RunRequest& request,
      std::shared_ptr<ProcessGroupCollectives> group, torch::Device device)
      : registry_(registry), plan_(plan), trainer_(plan.trainer), device_(device), group_(std::move(group)),
        writer_(!group_ || group_->rank() == 0),
        folder_(shared_run_folder(plan, request, group_.get())),
        checkpoints_((fs::path(folder_.path) / "checkpoints").string()),
        progress_(isatty(STDOUT_FILENO) != 0),
        benchmark_(request.benchmark) {}

  int execute() {
    set_torch_threads(trainer_);
    precision_ = trainer_.get<std::string>("precision");
    if (!device_.is_cuda() && precision_ != "fp32") {
      progress_.message("note: trainer.precision " + precision_ + " applies on CUDA; this run uses fp32 on " + device_.str());
      precision_ = "fp32";
    }
    torch::manual_seed(plan_.seed + static_cast<uint64_t>(group_ ? group_->rank() : 0));
    PeakMemory memory(device_);

    Context context = base_context(plan_);
    context.device = device_;
    context.run_dir = folder_.path;
    if (group_) {
      context.rank = group_->rank();
      context.world_size = group_->world_size();
      context.collectives = group_;
    }

    auto dataset = training_dataset(registry_, plan_, context);
    const int64_t batch_size = trainer_.get<int64_t>("batch_size");
    const int64_t accumulate = trainer_.get<int64_t>("accumulate");
    const bool feature_cache = accumulate > 1 && trainer_.get<std::string>("accumulate_mode") == "gradcache";
    const int world = group_ ? group_->world_size() : 1;
    LoaderOptions loading = loader_options(plan_, context);
    loading.teacher_cache = open_teacher_cache(plan_, dataset->size());
    if (loading.teacher_cache) loading.views = loading.teacher_cache->views();
    loading.batch_size = batch_size;
    loading.shuffle = loading.drop_last = true;
    loading.rank = context.rank;
    loading.world = world;
    BatchLoader loader(dataset, loading);
    const int64_t steps_per_epoch = loader.batches_per_epoch() / accumulate;
    if (steps_per_epoch == 0)
      trainer_.fail("batch_size", fmt::format("the training set has {} samples, fewer than batch_size x accumulate x ranks = {}",
                                              dataset->size(), batch_size * accumulate * world));
    const int64_t max_steps = trainer_.get<int64_t>("max_steps");
    const int64_t total_steps = max_steps > 0 ? max_steps : trainer_.get<int64_t>("epochs") * steps_per_epoch;
    const int64_t epochs = (total_steps + steps_per_epoch - 1) / steps_per_epoch;

    Graph graph(registry_, plan_, context);
    for (const auto& line : graph.parameter_counts()) progress_.message(line);
    graph.to(device_);
    graph.set_training(true);
    Validation validation(registry_, plan_, context);

    std::optional<RunFolderClaim> claim;
    if (writer_) {
      claim.emplace(folder_);
      write_text_atomically((fs::path(folder_.path) / "config.yaml").string(), to_yaml(plan_.config));
    }
    std::vector<std::shared_ptr<Logger>> loggers;
    for (const auto& node : writer_ ? plan_.loggers : std::vector<NodePlan>{}) {
      Context node_context = context;
      node_context.node_name = node.name;
      loggers.push_back(at_node(node, "creating", [&] { return registry_.create<Kind::Logger>(*node.entry, node.options, node_context); }));
    }

    auto named_parameters = graph.named_parameters();
    std::vector<torch::Tensor> parameters;
    for (const auto& [_, p] : named_parameters) parameters.push_back(p);
    AdamWGroups optimizer = make_adamw(named_parameters, plan_.optimizer);
    const double peak_lr = peak_learning_rate(plan_.optimizer, batch_size * accumulate * world);
    if (peak_lr != plan_.optimizer.get<double>("lr"))
      progress_.message(fmt::format("learning rate {:g} x {} / {} = {:g} (linear scaling rule)",
                                    plan_.optimizer.get<double>("lr"), batch_size * accumulate * world,
                                    plan_.optimizer.get<int64_t>("lr_reference_batch"), peak_lr));
    const int64_t schedule_steps = plan_.schedule.get<int64_t>("steps");
    LrSchedule schedule{peak_lr, plan_.schedule.get<double>("min_lr"), 0, schedule_steps > 0 ? schedule_steps : total_steps,
                        plan_.schedule.get<std::string>("decay") == "linear"};
    schedule.warmup_steps = plan_.schedule.get<int64_t>("warmup_steps");
    if (schedule.warmup_steps == 0)
      schedule.warmup_steps =
          static_cast<int64_t>(plan_.schedule.get<double>("warmup_fraction") * static_cast<double>(schedule.total_steps));
    LossScaler scaler(device_.is_cuda() && precision_ == "fp16");

    TrainingPosition position;
    if (folder_.resumed) {
      ReadableCheckpoint readable = load_newest_readable_checkpoint(checkpoints_, *optimizer.optimizer);
      for (const auto& line : readable.unreadable) progress_.message("skipping a newer checkpoint: " + line);
      const std::string& path = readable.path;
      const Checkpoint& checkpoint = readable.checkpoint;
      graph.load_state(checkpoint.modules);
      graph.load_extra_state(checkpoint.extra);
      set_rng_state(checkpoint.rng);
      scaler.set_value(checkpoint.loss_scale);
      position = checkpoint.position;
      progress_.message(fmt::format("resuming {} from {} (step {})", folder_.path, path, position.step));
    } else {
      progress_.message(fmt::format("run folder: {}", folder_.path));
    }
    std::unique_ptr<GradientAverager> averager;
    if (group_) {
      TensorMap state = graph.state();
      std::vector<torch::Tensor> tensors;
      for (const auto& [_, tensor] : state) tensors.push_back(tensor);
      broadcast_from_rank0(tensors, *group_);
      averager = std::make_unique<GradientAverager>(parameters, *group_);
      progress_.message(fmt::format("{} ranks ({}), batch {} per rank, gradients in {} buckets", group_->world_size(),
                                    device_.is_cuda() ? "NCCL" : "Gloo", batch_size, averager->buckets()));
    }
    std::optional<MetricsLog> metrics_log;
    if (writer_) metrics_log.emplace((fs::path(folder_.path) / "metrics.jsonl").string(), position.step);
    auto log = [&](int64_t step, const std::map<std::string, double>& metrics) {
      if (!writer_) return;
      metrics_log->write(step, metrics);
      for (auto& logger : loggers) logger->log(step, metrics);
    };
    auto save = [&](const std::string& state) {
      last_saved_step_ = position.step;
      if (!writer_ || benchmark_) return;
      Checkpoint checkpoint{position, graph.state(), graph.extra_state(), rng_state(), scaler.value(), to_yaml(plan_.config)};
      save_checkpoint(checkpoints_.path_for(position.step), checkpoint, *optimizer.optimizer);
      checkpoints_.keep_newest(static_cast<size_t>(trainer_.get<int64_t>("keep_checkpoints")));
      write_run_status(folder_.path, state, position.step);
    };
    status("running", position.step);
    install_stop_signal_handlers();

    const int64_t log_every = trainer_.get<int64_t>("log_every");
    const int64_t checkpoint_every = trainer_.get<int64_t>("checkpoint_every");
    const int64_t eval_every = plan_.eval.get<int64_t>("every_epochs");
    const int64_t eval_every_steps = plan_.eval.get<int64_t>("every_steps");
    BestCheckpoint best(plan_.eval, folder_.path, writer_);
    const double clip = trainer_.get<double>("clip_grad_norm");
    // Loss values per micro-batch and the gradient norm per step, summed on the device and read
    // once per log line as means.
    struct Sum {
      torch::Tensor value;
      int64_t count = 0;
    };
    std::map<std::string, Sum> interval_sums;
    auto add_to_interval = [&](const std::string& key, const torch::Tensor& value) {
      Sum& sum = interval_sums[key];
      sum.value = sum.value.defined() ? sum.value + value : value;
      ++sum.count;
    };
    int64_t interval_steps = 0;
    auto interval_start = std::chrono::steady_clock::now();
    const auto run_start = interval_start;
    const int64_t first_step = position.step;
    int64_t last_eval_step = -1;
    FiniteCheck finite_check;
    const bool momentum_first = plan_.momentum.empty() || plan_.momentum_options.get<bool>("before_model");
    StepTimer timer(trainer_.get<bool>("time_phases"), device_);
    double peak_flops = trainer_.get<double>("peak_tflops") * 1e12;
    if (peak_flops == 0) peak_flops = known_peak_tflops(device_name(device_), precision_).value_or(0) * 1e12;
    double step_flops = 0;
    std::optional<TensorMap> replayed;
    auto next_batch = [&](int64_t epoch, int64_t index) {
      if (!benchmark_) return loader.batch(epoch, index);
      if (!replayed) replayed = loader.batch(0, 0);
      return *replayed;
    };
    // The next batch of the epoch is copied to the device while the step computes (not the next
    // epoch's: its dataset counters belong to that epoch).
    BatchTransfer transfer(device_);

    try {
      while (position.step < total_steps) {
        const double lr = schedule.lr_at(position.step);
        set_learning_rate(optimizer, lr);
        zero_gradients(optimizer);
        graph.update_momentum();
        int signal_number = 0;
        // Every rank agrees on stopping before the last backward pass starts its collectives.
        auto before_last_backward = [&] {
          signal_number = stop_signal_received();
          if (group_) {
            torch::Tensor flag = torch::tensor({signal_number ? 1.0 : 0.0}, torch::kDouble);
            group_->all_reduce_sum(flag);
            if (flag.item<double>() > 0 && !signal_number) signal_number = SIGINT;
          }
          if (averager) averager->arm();
        };
        auto add_losses_to_interval = [&](const LossValues& losses) {
          add_to_interval("loss", losses.total.detach());
          for (const auto& [key, value] : losses.values) add_to_interval(key, value);
        };
        auto run_model = [&](TensorMap& tensors) {
          AutocastGuard autocast(device_, precision_);
          graph.run_model(tensors);
        };
        FeatureCache cache;
        for (int64_t micro = 0; micro < accumulate; ++micro) {
          timer.start();
          const int64_t index = position.batch_in_epoch + micro;
          if (!transfer.pending()) transfer.start(next_batch(position.epoch, index));
          TensorMap tensors = transfer.take();
          if ((position.step + 1 < total_steps || micro + 1 < accumulate) && index + 1 < steps_per_epoch * accumulate)
            transfer.start(next_batch(position.epoch, index + 1));
          timer.stop(kDataPhase);
          LossValues losses;
          auto run_momentum = [&] {
            AutocastGuard autocast(device_, precision_);
            graph.run_momentum(tensors);
          };
          if (momentum_first) run_momentum();
          graph.run_teachers(tensors);
          timer.stop("teacher");
          if (feature_cache) {
            TensorMap inputs = tensors;
            TensorMap rng = rng_state();
            std::set<std::string> model_keys;
            {
              torch::NoGradGuard no_grad;
              run_model(tensors);
              for (const auto& [key, value] : tensors)
                if (!inputs.count(key)) model_keys.insert(key);
              if (!momentum_first) run_momentum();
            }
            if (step_flops == 0) step_flops = estimate_step_flops(graph, tensors) * static_cast<double>(accumulate);
            cache.add(std::move(inputs), std::move(rng), std::move(tensors), model_keys);
            timer.stop("student");
            continue;
          }
          {
            AutocastGuard autocast(device_, precision_);
            graph.run_model(tensors);
            if (!momentum_first) run_momentum();
            losses = graph.compute_losses(tensors);
          }
          if (step_flops == 0) step_flops = estimate_step_flops(graph, tensors) * static_cast<double>(accumulate);
          finite_check.add(position.step + 1, losses);
          timer.stop("student");
          if (micro == accumulate - 1) before_last_backward();
          timer.start();
          if (const std::string problem = losses_without_gradient_problem(losses); !problem.empty()) throw Error(problem);
          scaler.scale(accumulate > 1 ? losses.total / static_cast<double>(accumulate) : losses.total).backward();
          add_losses_to_interval(losses);
          timer.stop("backward");
        }
        if (feature_cache) {
          timer.start();
          LossValues losses;
          {
            AutocastGuard autocast(device_, precision_);
            losses = graph.compute_losses(cache.full_batch());
          }
          finite_check.add(position.step + 1, losses);
          if (const std::string problem = losses_without_gradient_problem(losses); !problem.empty()) throw Error(problem);
          scaler.scale(losses.total).backward();
          cache.replay(run_model, before_last_backward);
          add_losses_to_interval(losses);
          timer.stop("backward");
        }
        if (averager) averager->finish();
        const bool finite = scaler.unscale(parameters);
        if (finite) {
          if (clip > 0) add_to_interval("grad_norm", clip_gradient_norm(parameters, clip));
          optimizer.optimizer->step();
        }
        scaler.update(finite);
        timer.stop("optimizer");
        ++position.step;
        position.batch_in_epoch += accumulate;
        ++interval_steps;

        const bool epoch_end = position.batch_in_epoch >= steps_per_epoch * accumulate;
        if (epoch_end) {
          ++position.epoch;
          position.batch_in_epoch = 0;
        }
        const bool last = position.step == total_steps;
        const bool log_now = position.step % log_every == 0 || last || epoch_end;
        const bool eval_now = (epoch_end && eval_every > 0 && position.epoch % eval_every == 0) ||
                              (eval_every_steps > 0 && position.step % eval_every_steps == 0);
        const bool save_now = epoch_end || (checkpoint_every > 0 && position.step % checkpoint_every == 0) || last;
        if (log_now || eval_now || save_now || signal_number) {
          if (auto nonfinite = finite_check.first_nonfinite(group_.get())) return diverged(*nonfinite, loggers);
        }
        if (log_now) {
          const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - interval_start).count();
          std::vector<torch::Tensor> on_device;
          for (const auto& [_, sum] : interval_sums) on_device.push_back(sum.value.to(torch::kDouble));
          const torch::Tensor read = torch::stack(on_device).cpu();  // one transfer
          std::map<std::string, double> metrics;
          int64_t i = 0;
          for (const auto& [key, _] : interval_sums) metrics[key] = read[i++].item<double>();
          metrics = mean_over_ranks(metrics);
          for (auto& [key, value] : metrics) value /= static_cast<double>(interval_sums.at(key).count);
          metrics["lr"] = lr;
          metrics["epoch"] = static_cast<double>(position.epoch);
          if (epoch_end)
            for (const auto& [name, count] : loader.dataset().counters()) {
              metrics["data.train." + name] = static_cast<double>(count);
              if (count > 0) progress_.message(fmt::format("data.train: {} {} so far", count, name));
            }
          metrics["samples_per_second"] =
              static_cast<double>(interval_steps * batch_size * accumulate * world) / std::max(seconds, 1e-9);
          metrics["tflops_per_second"] = step_flops * static_cast<double>(interval_steps) / std::max(seconds, 1e-9) / 1e12;
          if (peak_flops > 0) metrics["mfu"] = metrics["tflops_per_second"] * 1e12 / peak_flops;
          metrics.merge(timer.per_step(interval_steps));
          if (memory.measured()) metrics["memory.peak_mib"] = static_cast<double>(memory.read_and_reset()) / (1 << 20);
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
        if (eval_now && validation.enabled()) {
          validate(validation, graph, log, position, best);
          last_eval_step = position.step;
        }
        if (save_now) save("running");
        if (signal_number) {
          if (last_saved_step_ != position.step) save("interrupted");
          status("interrupted", position.step);
          progress_.message(fmt::format("stopped by signal {} at step {}; checkpoint {} (continue with --resume)",
                                        signal_number, position.step, checkpoints_.path_for(position.step)));
          for (auto& logger : loggers) logger->finish(false);
          return 128 + signal_number;
        }
      }
    } catch (const std::exception& e) {
      // A loss or evaluator that fails on NaN inputs reports the divergence, not its own error.
      if (auto nonfinite = finite_check.first_nonfinite()) return diverged(*nonfinite, loggers);
      failed(e, position.step, loggers);
      throw;
    }
    if (validation.enabled() && last_eval_step != position.step) validate(validation, graph, log, position, best);
    if (writer_ && !benchmark_) write_safetensors((fs::path(folder_.path) / "final.safetensors").string(), graph.state());
    if (last_saved_step_ != position.step) save("running");
    status("finished", position.step);
    for (auto& logger : loggers) logger->finish(true);
    progress_.message(fmt::format("finished {} steps; run folder {}", position.step, folder_.path));
    return kExitOk;
  }

 private:
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

  void status(const std::string& state, int64_t step) {
    if (writer_) write_run_status(folder_.path, state, step);
    if (writer_ && !benchmark_ && state != "running")  // finished or interrupted: RUN/report.html
      if (const std::string warning = write_report_or_warning(folder_.path); !warning.empty()) progress_.message(warning);
  }

  // Sums over ranks divided by the number of ranks (every rank holds the same keys).
  std::map<std::string, double> mean_over_ranks(std::map<std::string, double> values) {
    if (!group_ || values.empty()) return values;
    std::vector<double> flat;
    for (const auto& [_, value] : values) flat.push_back(value);
    torch::Tensor sums = torch::tensor(flat, torch::kDouble);
    group_->all_reduce_sum(sums);
    size_t i = 0;
    for (auto& [_, value] : values) value = sums[static_cast<int64_t>(i++)].item<double>() / group_->world_size();
    return values;
  }

  // Logs the metrics, writes RUN/eval/results.{json,md} and keeps the best weights.
  template <class LogFn>
  void validate(Validation& validation, Graph& graph, LogFn& log, const TrainingPosition& position, BestCheckpoint& best) {
    const EvalResult result = validation.run(graph, device_);
    log(position.step, result.metrics);
    std::string line = fmt::format("validation after epoch {} (step {}):", position.epoch, position.step);
    for (const auto& [key, value] : result.metrics) line += fmt::format(" {}={:.4f}", key, value);
    progress_.message(line);
    if (!writer_) return;
    write_eval_results((fs::path(folder_.path) / "eval").string(), fmt::format("{} (step {})", plan_.name, position.step),
                       position.step, result);
    if (best.enabled() && best.offer(position.step, result.metrics, graph.state()))
      progress_.message(fmt::format("best {} so far: {:.4f} (best.safetensors)", best.metric(), best.value()));
  }

  // status.json says `failed` with the error, and the loggers close as failed, before the error
  // ends the run (the last checkpoint stays resumable).
  void failed(const std::exception& e, int64_t step, std::vector<std::shared_ptr<Logger>>& loggers) {
    for (auto& logger : loggers) logger->finish(false);
    if (writer_) write_run_status(folder_.path, "failed", step, error_text(e));
  }

  int diverged(const NonfiniteStep& nonfinite, std::vector<std::shared_ptr<Logger>>& loggers) {
    for (auto& logger : loggers) logger->finish(false);
    std::string parts;
    for (const auto& [key, value] : nonfinite.values) parts += fmt::format(" {}={}", key, value.item<double>());
    const std::string kept = checkpoints_.latest().value_or("none yet");
    const std::string detail = fmt::format("the loss became NaN or Inf at step {}{}:{}; last good checkpoint: {}", nonfinite.step,
                                           nonfinite.values.empty() ? " on another rank" : "", parts, kept);
    if (writer_) write_run_status(folder_.path, "failed", nonfinite.step - 1, detail);
    progress_.message("error: " + detail + " (lower the learning rate or enable clip_grad_norm, then --resume)");
    return kExitDiverged;
  }

  const Registry& registry_;
  const ExperimentPlan& plan_;
  const Options& trainer_;
  torch::Device device_;
  std::shared_ptr<ProcessGroupCollectives> group_;
  bool writer_;
  RunFolder folder_;
  CheckpointFolder checkpoints_;
  ProgressLine progress_;
  std::string precision_;
  bool benchmark_;
  int64_t last_saved_step_ = -1;
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

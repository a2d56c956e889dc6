#include "cli/cache_teacher_command.hpp"

#include "data/batch_loader.hpp"
#include "data/cached_teachers.hpp"
#include "data/concat_dataset.hpp"
#include "graph/graph.hpp"
#include "train/trainer.hpp"

#include <mmkd/progress.hpp>

#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>

namespace mmkd {

std::string cache_teacher_outputs(const Registry& registry, const ExperimentPlan& plan, const CacheTeacherRequest& request) {
  for (const auto& teacher : plan.teachers)
    if (!teacher.cached.empty())
      throw ConfigError(teacher.where, teacher.key_path + ".cached", "this teacher is cached already: remove `cached:` to cache it again");
  const std::vector<std::string> names = teacher_outputs_read(plan);
  if (names.empty())
    throw ConfigError(plan.config.where(), "teachers", "no teacher output is read by the experiment: nothing to cache");
  const auto start = std::chrono::steady_clock::now();
  const torch::Device device = resolve_device(plan.trainer);
  set_torch_threads(plan.trainer);
  torch::manual_seed(plan.seed);
  Context context = base_context(plan);
  context.device = device;
  auto dataset = training_dataset(registry, plan, context);
  Graph graph(registry, plan, context);
  graph.to(device);

  LoaderOptions loading = loader_options(plan, context);
  loading.batch_size = plan.trainer.get<int64_t>("batch_size");
  loading.views = request.views;
  BatchLoader loader(dataset, loading);
  std::unique_ptr<TeacherCacheWriter> writer;
  CountProgress progress("cache-teacher", request.views * loader.batches_per_epoch(), "batches");
  for (int64_t view = 0; view < request.views; ++view) {
    for (int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
      TensorMap tensors = loader.batch(view, b);
      for (auto& [_, t] : tensors) t = t.to(device);
      graph.run_teachers(tensors);
      if (!writer) {
        std::vector<CachedOutput> outputs;
        for (const auto& name : names) {
          const torch::Tensor& t = require(tensors, name);
          outputs.push_back({name, t.scalar_type(), t.sizes().slice(1).vec(), 0});
        }
        writer = std::make_unique<TeacherCacheWriter>(request.out, dataset->size(), request.views, plan.seed, outputs);
      }
      TensorMap rows;
      for (const auto& name : names) rows[name] = tensors.at(name);
      writer->put(view, b * loading.batch_size, rows);
      progress.advance();
    }
  }
  progress.finish();
  writer->finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return fmt::format("wrote {} ({:.1f} MB): {} of {} samples x {} views in {:.1f} s", request.out,
                     static_cast<double>(std::filesystem::file_size(request.out)) / 1e6, fmt::join(names, ", "),
                     dataset->size(), request.views, seconds);
}

}  // namespace mmkd

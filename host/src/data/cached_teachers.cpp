#include "data/cached_teachers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace mmkd {
namespace {

bool reads(const ExperimentPlan& plan, const std::string& tensor) {
  for (const auto* nodes : {&plan.momentum, &plan.model, &plan.losses, &plan.evaluators})
    for (const auto& node : *nodes)
      for (const auto& [_, input] : node.inputs)
        if (input == tensor) return true;
  return false;
}

}  // namespace

std::vector<std::string> teacher_outputs_read(const ExperimentPlan& plan) {
  std::vector<std::string> outputs;
  for (const auto& teacher : plan.teachers)
    for (const auto& output : teacher.outputs)
      if (reads(plan, output)) outputs.push_back(output);
  return outputs;
}

std::shared_ptr<const TeacherCache> open_teacher_cache(const ExperimentPlan& plan, int64_t training_samples) {
  const NodePlan* first = nullptr;
  for (const auto& teacher : plan.teachers) {
    if (teacher.cached.empty()) continue;
    if (first && teacher.cached != first->cached)
      throw ConfigError(teacher.where, teacher.key_path + ".cached",
                        "names " + teacher.cached + ", but " + first->key_path + " names " + first->cached +
                            ": cache every teacher into one file (mmkd cache-teacher stores them all)");
    if (!first) first = &teacher;
  }
  if (!first) return nullptr;
  auto fail = [&](const std::string& message) {
    return ConfigError(first->where, first->key_path + ".cached", first->cached + ": " + message);
  };
  auto cache = std::make_shared<const TeacherCache>(first->cached);
  if (cache->samples() != training_samples)
    throw fail(fmt::format("holds {} samples, the training set has {}: cache this experiment's data", cache->samples(),
                           training_samples));
  if (cache->seed() != plan.seed)
    throw fail(fmt::format("was written with seed {}, this experiment has seed {}: the augmentations would differ",
                           cache->seed(), plan.seed));
  const int64_t views = plan.trainer.get<int64_t>("augmentation_views");
  if (views > 0 && views != cache->views())
    throw fail(fmt::format("holds {} views, trainer.augmentation_views is {}", cache->views(), views));
  std::set<std::string> stored;
  for (const auto& output : cache->outputs()) stored.insert(output.name);
  for (const auto& teacher : plan.teachers)
    for (const auto& output : teacher.outputs)
      if (!teacher.cached.empty() && reads(plan, output) && !stored.count(output))
        throw fail("has no `" + output + "`, which this experiment reads: cache again with this experiment");
  return cache;
}

}  // namespace mmkd

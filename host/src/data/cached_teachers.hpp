#pragma once
// The experiment side of cached teacher targets: which teacher outputs the experiment reads
// (what `mmkd cache-teacher` stores) and the cache its `cached:` teachers name.
#include "data/teacher_cache.hpp"
#include "graph/experiment_plan.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mmkd {

// Outputs of the (uncached) teachers that momentum copies, model nodes, losses or evaluators read.
std::vector<std::string> teacher_outputs_read(const ExperimentPlan& plan);

// The cache named by the `cached:` teachers (one file for all of them), checked against the
// training set's size, the experiment's seed, trainer.augmentation_views and the outputs the
// experiment reads; null when no teacher is cached. Problems are ConfigErrors at `cached`.
std::shared_ptr<const TeacherCache> open_teacher_cache(const ExperimentPlan& plan, int64_t training_samples);

}  // namespace mmkd

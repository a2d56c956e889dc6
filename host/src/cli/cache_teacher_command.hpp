#pragma once
// `mmkd cache-teacher EXP.yaml --views K --out PATH`: the experiment's teachers run once on K
// augmentations of every training sample; their outputs that the experiment reads go to a
// teacher cache, which runs use with `teachers.<name>.cached: PATH`.
#include "graph/experiment_plan.hpp"

#include <string>

namespace mmkd {

struct CacheTeacherRequest {
  int64_t views = 10;
  std::string out;
};

// Writes the cache atomically; returns a summary line.
std::string cache_teacher_outputs(const Registry& registry, const ExperimentPlan& plan, const CacheTeacherRequest& request);

}  // namespace mmkd

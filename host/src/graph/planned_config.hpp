#pragma once
// The experiment as it will run: the resolved config with every component's and host section's
// defaulted options written in (`mmkd validate --print`).
#include "graph/experiment_plan.hpp"

namespace mmkd {

ConfigNode config_with_defaults(const ExperimentPlan& plan);

}  // namespace mmkd

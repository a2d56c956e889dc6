#pragma once
// The options of the host's own config sections, declared like a component's.
#include <mmkd/component.hpp>

namespace mmkd {

const std::vector<OptionSpec>& optimizer_options();
const std::vector<OptionSpec>& schedule_options();
const std::vector<OptionSpec>& trainer_options();
const std::vector<OptionSpec>& eval_options();  // besides `evaluators`
const std::vector<OptionSpec>& log_options();   // besides `loggers`
const std::vector<OptionSpec>& momentum_options();

}  // namespace mmkd

#include "optim/lr_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace mmkd {

double LrSchedule::lr_at(int64_t step) const {
  if (step < warmup_steps) return peak_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  const double progress = std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps));
  if (linear_decay) return min_lr + (peak_lr - min_lr) * (1.0 - progress);
  return min_lr + 0.5 * (peak_lr - min_lr) * (1.0 + std::cos(M_PI * progress));
}

LrSchedule lr_schedule_from(const Options& schedule, double peak_lr, int64_t run_steps) {
  const int64_t steps = schedule.get<int64_t>("steps");
  LrSchedule lr{peak_lr, schedule.get<double>("min_lr"), schedule.get<int64_t>("warmup_steps"), steps > 0 ? steps : run_steps,
                schedule.get<std::string>("decay") == "linear"};
  if (lr.warmup_steps == 0)
    lr.warmup_steps = static_cast<int64_t>(schedule.get<double>("warmup_fraction") * static_cast<double>(lr.total_steps));
  return lr;
}

}  // namespace mmkd

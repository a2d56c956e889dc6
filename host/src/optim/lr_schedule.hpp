#pragma once
// Linear warmup to the peak learning rate, then cosine or linear decay to min_lr.
#include <mmkd/options.hpp>

#include <cstdint>

namespace mmkd {

struct LrSchedule {
  double peak_lr = 1e-3;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;  // warmup and decay; the run may stop before
  bool linear_decay = false;

  double lr_at(int64_t step) const;  // step counts from 0 (the first optimizer step)
};

// The schedule section's: over its `steps`, else the run's `run_steps`; warmup_steps, else
// warmup_fraction of those.
LrSchedule lr_schedule_from(const Options& schedule, double peak_lr, int64_t run_steps);

}  // namespace mmkd

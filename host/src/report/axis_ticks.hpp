#pragma once
// An axis' range and ticks at round values: 1, 2 or 5 times a power of ten.
#include <string>
#include <vector>

namespace mmkd {

struct AxisTicks {
  double low = 0;   // the axis starts here (the first tick) ...
  double high = 1;  // ... and ends here (the last tick)
  double step = 1;  // between ticks
  std::vector<double> values;
};

// About `target` ticks covering [low, high]; a range of a single value is widened around it.
// `whole_numbers`: ticks at integers only (training steps).
AxisTicks nice_ticks(double low, double high, int target, bool whole_numbers = false);

// A tick's label: the value with the decimals of the ticks' `step` ("0.02", "2000"), or in scientific form
// when that takes over 6 decimals or 8 digits ("1e-07").
std::string tick_label(double value, double step);

}  // namespace mmkd

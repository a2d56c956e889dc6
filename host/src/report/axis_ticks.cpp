#include "report/axis_ticks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace mmkd {

namespace {

// 1, 2, 5 or 10 times the power of ten below `rough_step`, the first at least as large.
double round_step_above(double rough_step) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough_step)));
  for (const double factor : {1.0, 2.0, 5.0})
    if (rough_step <= factor * magnitude * (1 + 1e-9)) return factor * magnitude;
  return 10 * magnitude;
}

}  // namespace

AxisTicks nice_ticks(double low, double high, int target, bool whole_numbers) {
  if (!std::isfinite(low) || !std::isfinite(high)) low = 0, high = 1;
  if (low > high) std::swap(low, high);
  if (high == low) {
    const double margin = whole_numbers ? 1.0 : (low == 0 ? 1.0 : std::abs(low) * 0.1);
    low -= margin;
    high += margin;
  }
  double step = round_step_above((high - low) / std::max(target, 1));
  if (whole_numbers) step = std::max(step, 1.0);
  AxisTicks ticks;
  ticks.step = step;
  ticks.low = std::floor(low / step + 1e-9) * step;
  ticks.high = std::ceil(high / step - 1e-9) * step;
  const auto count = static_cast<long>(std::llround((ticks.high - ticks.low) / step));
  for (long i = 0; i <= std::min(count, 100L); ++i) ticks.values.push_back(ticks.low + static_cast<double>(i) * step);
  return ticks;
}

std::string tick_label(double value, double step) {
  const double rounded = std::round(value / step) * step;
  if (std::abs(rounded) < step * 1e-6) return "0";
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (decimals > 6 || std::abs(rounded) >= 1e7) return fmt::format("{:.4g}", rounded);
  return fmt::format("{:.{}f}", rounded, decimals);
}

}  // namespace mmkd

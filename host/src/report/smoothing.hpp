#pragma once
// TensorBoard's smoothing of a noisy curve.
#include "report/series.hpp"

#include <vector>

namespace mmkd {

// An exponential moving average giving `weight` (0 to 1, e.g. 0.6) to the past, divided by
// 1 - weight^n at the n-th point so that the start is not pulled towards 0 (as TensorBoard does).
// Points with a non-finite value are left out.
std::vector<Point> ema_smoothed(const std::vector<Point>& points, double weight);

}  // namespace mmkd

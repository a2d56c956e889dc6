#pragma once
// Fewer points for a long series, keeping its extremes: spikes stay visible in the chart.
#include "report/series.hpp"

#include <cstddef>
#include <vector>

namespace mmkd {

// The points themselves when there are at most `max_points` (at least 4); else the first and
// the last point and, of each of (max_points - 2) / 2 equal runs of the points between them,
// the lowest and the highest, in order.
std::vector<Point> downsampled(const std::vector<Point>& points, size_t max_points);

}  // namespace mmkd

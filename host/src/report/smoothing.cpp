#include "report/smoothing.hpp"

#include <cmath>

namespace mmkd {

std::vector<Point> ema_smoothed(const std::vector<Point>& points, double weight) {
  std::vector<Point> smoothed;
  smoothed.reserve(points.size());
  double average = 0;
  double weight_power = 1;
  for (const Point& point : points) {
    if (!std::isfinite(point.y)) continue;
    average = average * weight + (1 - weight) * point.y;
    weight_power *= weight;
    smoothed.push_back({point.x, weight_power < 1 ? average / (1 - weight_power) : point.y});
  }
  return smoothed;
}

}  // namespace mmkd

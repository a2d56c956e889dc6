#include "report/series.hpp"

#include <cmath>

namespace mmkd {

std::vector<Point> finite_points(const std::vector<Point>& points) {
  std::vector<Point> finite;
  finite.reserve(points.size());
  for (const Point& point : points)
    if (std::isfinite(point.x) && std::isfinite(point.y)) finite.push_back(point);
  return finite;
}

}  // namespace mmkd

#include "report/downsample.hpp"

#include <algorithm>

namespace mmkd {

std::vector<Point> downsampled(const std::vector<Point>& points, size_t max_points) {
  max_points = std::max<size_t>(max_points, 4);
  if (points.size() <= max_points) return points;
  const size_t inner = points.size() - 2;
  const size_t runs = (max_points - 2) / 2;
  std::vector<Point> kept{points.front()};
  for (size_t run = 0; run < runs; ++run) {
    const auto begin = points.begin() + 1 + static_cast<long>(run * inner / runs);
    const auto end = points.begin() + 1 + static_cast<long>((run + 1) * inner / runs);
    if (begin == end) continue;
    const auto [lowest, highest] =
        std::minmax_element(begin, end, [](const Point& a, const Point& b) { return a.y < b.y; });
    kept.push_back(lowest < highest ? *lowest : *highest);
    if (lowest != highest) kept.push_back(lowest < highest ? *highest : *lowest);
  }
  kept.push_back(points.back());
  return kept;
}

}  // namespace mmkd

#pragma once
// A chart's data: named series of (step, value) points.
#include <string>
#include <vector>

namespace mmkd {

struct Point {
  double x = 0;
  double y = 0;
};

struct Series {
  std::string name;
  std::vector<Point> points;
  std::string color;  // CSS colour; empty: the chart's palette colour for the series' place
};

// The points whose x and y are both finite, in order.
std::vector<Point> finite_points(const std::vector<Point>& points);

}  // namespace mmkd

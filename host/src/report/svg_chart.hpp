#pragma once
// Charts as SVG text, shown by any browser without a script: line charts of series over
// training steps, and horizontal bar charts. Each drawn series is a
// <path data-series="NAME" data-role="line|raw|smoothed" data-points="N">, each bar a
// <rect class="bar" data-bar="LABEL" data-value="V">, so that programs can check a chart.
#include "report/series.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mmkd {

struct LineChart {
  std::string title;
  std::string x_label = "step";
  std::vector<Series> series;
  // > 0: every series drawn twice, raw as a faint line and smoothed (ema_smoothed with this
  // weight) as a solid one.
  double smoothing = 0;
  size_t max_points = 2000;  // per path (downsampled)
};

// Points with a non-finite step or value are left out; a series without finite points is
// named in the legend only. Few points get markers whose tooltip gives step and value.
std::string line_chart_svg(const LineChart& chart);

struct Bar {
  std::string label;
  std::optional<double> value;  // none: the row says "no value"
  std::string color;            // empty: the palette colour of the bar's place
};

struct BarChart {
  std::string title;
  std::vector<Bar> bars;  // one row each, top to bottom
};

std::string bar_chart_svg(const BarChart& chart);

// The colour of the series or bar at `index`: ten distinct colours, then again.
std::string palette_color(size_t index);

}  // namespace mmkd

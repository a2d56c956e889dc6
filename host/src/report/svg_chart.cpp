#include "report/svg_chart.hpp"

#include "report/axis_ticks.hpp"
#include "report/downsample.hpp"
#include "report/smoothing.hpp"
#include "report/xml_escape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace mmkd {

namespace {

constexpr double kChartWidth = 560;
constexpr double kPlotLeft = 64;
constexpr double kPlotRight = 16;
constexpr double kPlotTop = 34;
constexpr double kPlotHeight = 220;
constexpr double kBelowPlot = 40;  // x tick labels and the x axis' name
constexpr double kLegendRowHeight = 16;
constexpr double kCharWidth = 6.4;  // of 11px text, roughly
constexpr size_t kMarkedPointsMax = 60;

// A linear map from data to pixels.
struct AxisScale {
  double data_low, data_high, pixel_low, pixel_high;
  double operator()(double value) const {
    return pixel_low + (value - data_low) / (data_high - data_low) * (pixel_high - pixel_low);
  }
};

std::string pixels(double value) { return fmt::format("{:.1f}", value); }

std::string svg_open(double width, double height, const std::string& title, const std::string& kind) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"{0}\" data-kind=\"{1}\" width=\"{2}\" "
      "height=\"{3}\" viewBox=\"0 0 {2} {3}\" font-family=\"system-ui, sans-serif\" font-size=\"11\" role=\"img\">"
      "<title>{0}</title><rect width=\"{2}\" height=\"{3}\" fill=\"#ffffff\"/>"
      "<text x=\"{4}\" y=\"20\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2328\">{0}</text>",
      xml_escape(title), kind, pixels(width), pixels(height), pixels(kPlotLeft));
}

std::string path_data(const std::vector<Point>& points, const AxisScale& x, const AxisScale& y) {
  std::string d;
  d.reserve(points.size() * 14);
  for (size_t i = 0; i < points.size(); ++i)
    d += fmt::format("{}{},{}", i == 0 ? 'M' : 'L', pixels(x(points[i].x)), pixels(y(points[i].y)));
  return d;
}

std::string series_path(const std::string& name, const std::string& role, const std::vector<Point>& points,
                        const std::string& color, double opacity, double width, const AxisScale& x,
                        const AxisScale& y) {
  return fmt::format(
      "<path data-series=\"{}\" data-role=\"{}\" data-points=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
      "stroke-opacity=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
      xml_escape(name), role, points.size(), path_data(points, x, y), color, opacity, width);
}

std::string point_markers(const std::vector<Point>& points, const std::string& color, const AxisScale& x,
                          const AxisScale& y) {
  std::string markers;
  for (const Point& point : points)
    markers += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{}\"><title>step {:.10g}: {:.6g}</title></circle>",
                           pixels(x(point.x)), pixels(y(point.y)), color, point.x, point.y);
  return markers;
}

// Ticks, their labels and grid lines of both axes, and the x axis' name.
std::string line_chart_axes(const AxisTicks& x_ticks, const AxisTicks& y_ticks, const AxisScale& x, const AxisScale& y,
                            const std::string& x_label) {
  const double plot_bottom = kPlotTop + kPlotHeight;
  const double plot_right = kChartWidth - kPlotRight;
  std::string axes = "<g class=\"axis\" data-axis=\"y\">";
  for (const double value : y_ticks.values)
    axes += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#d8dee4\" stroke-width=\"1\"/>"
        "<text x=\"{3}\" y=\"{2}\" dy=\"0.32em\" text-anchor=\"end\" fill=\"#57606a\">{4}</text>",
        pixels(kPlotLeft), pixels(plot_right), pixels(y(value)), pixels(kPlotLeft - 6),
        tick_label(value, y_ticks.step));
  axes += "</g><g class=\"axis\" data-axis=\"x\">";
  for (const double value : x_ticks.values)
    axes += fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#57606a\" stroke-width=\"1\"/>"
        "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#57606a\">{4}</text>",
        pixels(x(value)), pixels(plot_bottom), pixels(plot_bottom + 4), pixels(plot_bottom + 16),
        tick_label(value, x_ticks.step));
  axes += fmt::format(
      "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#57606a\" stroke-width=\"1\"/>"
      "<text x=\"{3}\" y=\"{4}\" text-anchor=\"middle\" fill=\"#57606a\">{5}</text></g>",
      pixels(kPlotLeft), pixels(plot_right), pixels(plot_bottom), pixels((kPlotLeft + plot_right) / 2),
      pixels(plot_bottom + 32), xml_escape(x_label));
  return axes;
}

struct LegendEntry {
  std::string text;
  std::string color;
};

// Swatch and name of each entry, left to right in rows from `top`; returns the SVG and the rows' count.
std::pair<std::string, int> legend_rows(const std::vector<LegendEntry>& entries, double top) {
  std::string legend = "<g class=\"legend\">";
  double x = kPlotLeft;
  int rows = entries.empty() ? 0 : 1;
  for (const auto& entry : entries) {
    const double width = 18 + kCharWidth * static_cast<double>(entry.text.size()) + 14;
    if (x > kPlotLeft && x + width > kChartWidth - kPlotRight) {
      x = kPlotLeft;
      ++rows;
    }
    const double y = top + (rows - 1) * kLegendRowHeight;
    legend += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"4\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"#1f2328\">{}</text>",
        pixels(x), pixels(y + 5), entry.color, pixels(x + 17), pixels(y + 10), xml_escape(entry.text));
    x += width;
  }
  return {legend + "</g>", rows};
}

struct DrawnSeries {
  std::string name, color;
  std::vector<Point> raw, smoothed;
};

}  // namespace

std::string palette_color(size_t index) {
  static const char* const colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return colors[index % (sizeof(colors) / sizeof(colors[0]))];
}

std::string line_chart_svg(const LineChart& chart) {
  std::vector<DrawnSeries> drawn;
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const Series& series = chart.series[i];
    const std::vector<Point> finite = finite_points(series.points);
    DrawnSeries one{series.name, series.color.empty() ? palette_color(i) : series.color,
                    downsampled(finite, chart.max_points), {}};
    if (chart.smoothing > 0) one.smoothed = downsampled(ema_smoothed(finite, chart.smoothing), chart.max_points);
    for (const Point& point : one.raw) {
      x_low = std::min(x_low, point.x), x_high = std::max(x_high, point.x);
      y_low = std::min(y_low, point.y), y_high = std::max(y_high, point.y);
    }
    drawn.push_back(std::move(one));
  }
  const bool has_points = x_low <= x_high;

  std::vector<LegendEntry> legend;
  if (drawn.size() > 1 || !has_points)
    for (const auto& series : drawn)
      legend.push_back({series.raw.empty() ? series.name + " (no finite values)" : series.name, series.color});
  const double legend_top = kPlotTop + kPlotHeight + kBelowPlot + 6;
  const auto [legend_svg, legend_row_count] = legend_rows(legend, legend_top);
  const double height = legend_top + legend_row_count * kLegendRowHeight + 6;

  std::string svg = svg_open(kChartWidth, height, chart.title, "line");
  if (chart.smoothing > 0)
    svg += fmt::format("<text x=\"{}\" y=\"20\" text-anchor=\"end\" fill=\"#57606a\">smoothed {} (raw faint)</text>",
                       pixels(kChartWidth - kPlotRight), chart.smoothing);
  if (!has_points) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#57606a\">no finite values</text>",
                       pixels(kChartWidth / 2), pixels(kPlotTop + kPlotHeight / 2));
    return svg + legend_svg + "</svg>";
  }
  const AxisTicks x_ticks = nice_ticks(x_low, x_high, 6, true);
  const AxisTicks y_ticks = nice_ticks(y_low, y_high, 5);
  const AxisScale x{x_ticks.low, x_ticks.high, kPlotLeft, kChartWidth - kPlotRight};
  const AxisScale y{y_ticks.low, y_ticks.high, kPlotTop + kPlotHeight, kPlotTop};
  svg += line_chart_axes(x_ticks, y_ticks, x, y, chart.x_label);
  for (const auto& series : drawn) {
    if (series.raw.empty()) continue;
    svg += fmt::format("<g class=\"series\"><title>{}</title>", xml_escape(series.name));
    const bool smoothed = chart.smoothing > 0;
    svg += smoothed ? series_path(series.name, "raw", series.raw, series.color, 0.25, 1, x, y)
                    : series_path(series.name, "line", series.raw, series.color, 1, 1.6, x, y);
    if (smoothed) svg += series_path(series.name, "smoothed", series.smoothed, series.color, 1, 1.6, x, y);
    const std::vector<Point>& solid = smoothed ? series.smoothed : series.raw;
    if (solid.size() <= kMarkedPointsMax) svg += point_markers(solid, series.color, x, y);
    svg += "</g>";
  }
  return svg + legend_svg + "</svg>";
}

std::string bar_chart_svg(const BarChart& chart) {
  constexpr double kRowHeight = 22;
  constexpr double kBarHeight = 14;
  constexpr size_t kLabelCharsMax = 36;
  constexpr double kValueRoom = 64;
  size_t label_chars = 4;
  double low = 0, high = 0;
  for (const auto& bar : chart.bars) {
    label_chars = std::max(label_chars, std::min(bar.label.size(), kLabelCharsMax));
    if (bar.value && std::isfinite(*bar.value)) low = std::min(low, *bar.value), high = std::max(high, *bar.value);
  }
  const double plot_left = 12 + kCharWidth * static_cast<double>(label_chars);
  const double plot_right = kChartWidth - kValueRoom;
  const double rows_bottom = kPlotTop + kRowHeight * static_cast<double>(chart.bars.size());
  const double height = rows_bottom + 30;
  const AxisTicks ticks = nice_ticks(low, high, 5);
  const AxisScale x{ticks.low, ticks.high, plot_left, plot_right};

  std::string svg = svg_open(kChartWidth, height, chart.title, "bar");
  svg += "<g class=\"axis\" data-axis=\"x\">";
  for (const double value : ticks.values)
    svg += fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#d8dee4\" stroke-width=\"1\"/>"
        "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#57606a\">{4}</text>",
        pixels(x(value)), pixels(kPlotTop - 4), pixels(rows_bottom), pixels(rows_bottom + 14),
        tick_label(value, ticks.step));
  svg += "</g>";
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& bar = chart.bars[i];
    const double row_top = kPlotTop + kRowHeight * static_cast<double>(i);
    const double middle = row_top + kRowHeight / 2;
    const std::string label =
        bar.label.size() > kLabelCharsMax ? bar.label.substr(0, kLabelCharsMax - 1) + "\u2026" : bar.label;
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" dy=\"0.32em\" text-anchor=\"end\" fill=\"#1f2328\">{}<title>{}</title></text>",
        pixels(plot_left - 6), pixels(middle), xml_escape(label), xml_escape(bar.label));
    if (!bar.value || !std::isfinite(*bar.value)) {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" dy=\"0.32em\" fill=\"#57606a\">no value</text>", pixels(plot_left + 4),
                         pixels(middle));
      continue;
    }
    const double left = std::min(x(0), x(*bar.value));
    const double right = std::max(x(0), x(*bar.value));
    svg += fmt::format(
        "<rect class=\"bar\" data-bar=\"{0}\" data-value=\"{1:.6g}\" x=\"{2}\" y=\"{3}\" width=\"{4}\" height=\"{5}\" "
        "fill=\"{6}\"><title>{0}: {1:.6g}</title></rect>"
        "<text x=\"{7}\" y=\"{8}\" dy=\"0.32em\" fill=\"#1f2328\">{1:.4g}</text>",
        xml_escape(bar.label), *bar.value, pixels(left), pixels(middle - kBarHeight / 2), pixels(right - left),
        pixels(kBarHeight), bar.color.empty() ? palette_color(i) : bar.color, pixels(right + 4), pixels(middle));
  }
  svg += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#57606a\" stroke-width=\"1\"/>",
                     pixels(x(0)), pixels(kPlotTop - 4), pixels(rows_bottom));
  return svg + "</svg>";
}

}  // namespace mmkd

#include "report/axis_ticks.hpp"
#include "report/downsample.hpp"
#include "report/smoothing.hpp"
#include "report/svg_chart.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>

using namespace mmkd;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The data-points of every path of `series` with `role`, in order.
std::vector<int> path_point_counts(const std::string& svg, const std::string& series, const std::string& role) {
  const std::regex path("<path data-series=\"" + series + "\" data-role=\"" + role + "\" data-points=\"(\\d+)\"");
  std::vector<int> counts;
  for (std::sregex_iterator it(svg.begin(), svg.end(), path), end; it != end; ++it) counts.push_back(std::stoi((*it)[1]));
  return counts;
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

std::vector<Point> ramp(int count) {
  std::vector<Point> points;
  for (int i = 0; i < count; ++i) points.push_back({static_cast<double>(i), 1.0 + 0.01 * i});
  return points;
}

TEST(SvgChart, APathHasOnePointPerFiniteValueAndSkipsNanAndInf) {
  LineChart chart;
  chart.title = "loss";
  chart.series = {{"loss", {{0, 4.0}, {1, kNan}, {2, 3.0}, {3, kInf}, {kNan, 2.0}, {5, -kInf}, {6, 1.0}}, ""}};
  const std::string svg = line_chart_svg(chart);
  EXPECT_EQ(path_point_counts(svg, "loss", "line"), std::vector<int>{3}) << svg;
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  EXPECT_EQ(occurrences(svg, "<circle"), 3u);  // few points: a marker each
}

TEST(SvgChart, ASmoothedChartDrawsEachSeriesRawAndSmoothed) {
  LineChart chart;
  chart.title = "losses";
  chart.smoothing = 0.6;
  chart.series = {{"clip.i2t_loss", ramp(100), ""}, {"clip.t2i_loss", ramp(80), ""}};
  const std::string svg = line_chart_svg(chart);
  EXPECT_EQ(path_point_counts(svg, "clip.i2t_loss", "raw"), std::vector<int>{100});
  EXPECT_EQ(path_point_counts(svg, "clip.i2t_loss", "smoothed"), std::vector<int>{100});
  EXPECT_EQ(path_point_counts(svg, "clip.t2i_loss", "raw"), std::vector<int>{80});
  EXPECT_EQ(path_point_counts(svg, "clip.t2i_loss", "smoothed"), std::vector<int>{80});
  EXPECT_NE(svg.find("stroke=\"#1f77b4\" stroke-opacity=\"0.25\""), std::string::npos) << "raw: faint";
  EXPECT_NE(svg.find("stroke=\"#ff7f0e\" stroke-opacity=\"1\""), std::string::npos) << "smoothed: solid, second colour";
  EXPECT_EQ(occurrences(svg, "<circle"), 0u);  // many points: no markers
  EXPECT_NE(svg.find(">clip.t2i_loss</text>"), std::string::npos) << "legend";
}

TEST(SvgChart, ASeriesWithoutFiniteValuesIsOnlyNamed) {
  LineChart chart;
  chart.title = "mixed";
  chart.series = {{"broken", {{1, kNan}, {2, kInf}}, ""}, {"fine", {{1, 1.0}, {2, 2.0}}, ""}};
  std::string svg = line_chart_svg(chart);
  EXPECT_TRUE(path_point_counts(svg, "broken", "line").empty());
  EXPECT_EQ(path_point_counts(svg, "fine", "line"), std::vector<int>{2});
  EXPECT_NE(svg.find("broken (no finite values)"), std::string::npos);

  chart.series.pop_back();
  svg = line_chart_svg(chart);
  EXPECT_EQ(occurrences(svg, "<path"), 0u);
  EXPECT_NE(svg.find(">no finite values</text>"), std::string::npos);
}

TEST(SvgChart, ASinglePointIsAPathOfOnePointWithAMarker) {
  LineChart chart;
  chart.title = "eval.retrieval";
  chart.series = {{"eval.retrieval.i2t_r1", {{60, 0.25}}, ""}};
  const std::string svg = line_chart_svg(chart);
  EXPECT_EQ(path_point_counts(svg, "eval.retrieval.i2t_r1", "line"), std::vector<int>{1});
  EXPECT_NE(svg.find("<title>step 60: 0.25</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">60</text>"), std::string::npos) << "x axis around the single step";
}

TEST(SvgChart, ALongSeriesIsDownsampledKeepingItsEndsAndSpikes) {
  std::vector<Point> points = ramp(10000);
  points[5001].y = 100;
  points[7003].y = -50;
  LineChart chart;
  chart.title = "loss";
  chart.smoothing = 0.6;
  chart.series = {{"loss", points, ""}};
  const std::string svg = line_chart_svg(chart);
  const auto raw = path_point_counts(svg, "loss", "raw"), smoothed = path_point_counts(svg, "loss", "smoothed");
  ASSERT_EQ(raw.size(), 1u);
  ASSERT_EQ(smoothed.size(), 1u);
  EXPECT_LE(raw[0], 2000);
  EXPECT_GE(raw[0], 1900);
  EXPECT_LE(smoothed[0], 2000);

  const std::vector<Point> kept = downsampled(points, 2000);
  EXPECT_LE(kept.size(), 2000u);
  EXPECT_EQ(kept.front().x, 0);
  EXPECT_EQ(kept.back().x, 9999);
  EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end(), [](const Point& a, const Point& b) { return a.x < b.x; }));
  auto has_step = [&](double step) {
    return std::any_of(kept.begin(), kept.end(), [&](const Point& p) { return p.x == step; });
  };
  EXPECT_TRUE(has_step(5001));
  EXPECT_TRUE(has_step(7003));
  EXPECT_EQ(downsampled(ramp(2000), 2000).size(), 2000u);
}

TEST(SvgChart, AxisTicksAreRoundValuesCoveringTheData) {
  AxisTicks ticks = nice_ticks(0.13, 4.2, 5);
  EXPECT_EQ(ticks.step, 1);
  EXPECT_EQ(ticks.values, (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(ticks.low, 0);
  EXPECT_EQ(ticks.high, 5);

  ticks = nice_ticks(16, 512, 6, true);
  EXPECT_EQ(ticks.step, 100);
  EXPECT_EQ(ticks.low, 0);
  EXPECT_EQ(ticks.high, 600);
  EXPECT_EQ(nice_ticks(0, 3, 6, true).step, 1) << "steps are whole numbers";
  EXPECT_DOUBLE_EQ(nice_ticks(-0.003, 0.0021, 5).step, 0.002);

  ticks = nice_ticks(3, 3, 5);  // a single value: widened around it
  EXPECT_LT(ticks.low, 3);
  EXPECT_GT(ticks.high, 3);
  ticks = nice_ticks(0, 0, 5);
  EXPECT_EQ(ticks.low, -1);
  EXPECT_EQ(ticks.high, 1);

  EXPECT_EQ(tick_label(0.1 + 0.2, 0.1), "0.3");
  EXPECT_EQ(tick_label(2e-5, 1e-5), "0.00002");
  EXPECT_EQ(tick_label(2e-7, 1e-7), "2e-07");
  EXPECT_EQ(tick_label(2000, 1000), "2000");
  EXPECT_EQ(tick_label(-1e-17, 0.2), "0");
}

TEST(SvgChart, TheAxesCarryTheirTickLabels) {
  LineChart chart;
  chart.title = "lr";
  chart.series = {{"lr", {{0, 0.0}, {50, 0.001}, {100, 0.0004}}, ""}};
  const std::string svg = line_chart_svg(chart);
  const size_t y_axis = svg.find("data-axis=\"y\""), x_axis = svg.find("data-axis=\"x\"");
  ASSERT_NE(y_axis, std::string::npos);
  ASSERT_NE(x_axis, std::string::npos);
  const std::string y_part = svg.substr(y_axis, x_axis - y_axis), x_part = svg.substr(x_axis);
  for (const char* label : {">0</text>", ">0.0002</text>", ">0.0010</text>"})
    EXPECT_NE(y_part.find(label), std::string::npos) << label;
  for (const char* label : {">0</text>", ">20</text>", ">100</text>", ">step</text>"})
    EXPECT_NE(x_part.find(label), std::string::npos) << label;
}

TEST(SvgChart, NamesAreEscaped) {
  LineChart chart;
  chart.title = "a<b & \"c\"";
  chart.series = {{"x<y", {{1, 1.0}}, ""}, {"z", {{1, 2.0}}, ""}};
  const std::string svg = line_chart_svg(chart);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  EXPECT_NE(svg.find("data-chart=\"a&lt;b &amp; &quot;c&quot;\""), std::string::npos);
  EXPECT_NE(svg.find("data-series=\"x&lt;y\""), std::string::npos);
}

TEST(SvgChart, ABarChartHasABarPerValueAndSaysWhichHaveNone) {
  const std::string svg = bar_chart_svg({"final eval.retrieval.i2t_r1", {{"a", 0.5, ""}, {"b", std::nullopt, ""}, {"c", 0.25, ""}}});
  EXPECT_EQ(occurrences(svg, "<rect class=\"bar\""), 2u);
  EXPECT_NE(svg.find("data-bar=\"a\" data-value=\"0.5\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("data-bar=\"c\" data-value=\"0.25\""), std::string::npos);
  EXPECT_NE(svg.find(">no value</text>"), std::string::npos);
}

TEST(SvgChart, SmoothingIsTensorBoardsDebiasedMovingAverage) {
  const auto smoothed = ema_smoothed({{1, 1.0}, {2, kNan}, {3, 2.0}, {4, 3.0}}, 0.6);
  ASSERT_EQ(smoothed.size(), 3u);
  EXPECT_DOUBLE_EQ(smoothed[0].y, 1.0);  // the first value itself, not 0.4 of it
  EXPECT_NEAR(smoothed[1].y, (0.6 * 0.4 + 0.4 * 2) / (1 - 0.36), 1e-12);
  EXPECT_NEAR(smoothed[2].y, (0.6 * (0.6 * 0.4 + 0.4 * 2) + 0.4 * 3) / (1 - 0.216), 1e-12);
  EXPECT_EQ(smoothed[2].x, 4);
  for (const auto& point : ema_smoothed(ramp(5), 0.0)) EXPECT_DOUBLE_EQ(point.y, 1.0 + 0.01 * point.x);
}

}  // namespace

#pragma once
// Metric charts as sections of a report page.
#include "report/html_page.hpp"
#include "report/metric_charts.hpp"
#include "report/series.hpp"

#include <functional>
#include <vector>

namespace mmkd {

// TensorBoard's default smoothing weight, for the charts of noisy training metrics.
constexpr double kReportSmoothing = 0.6;

// One section per section of `charts` (in their order, id: the name in lower case with dashes),
// holding the SVG line chart of each: its series from `series_of`, smoothed when it says so.
std::vector<HtmlSection> chart_sections(const std::vector<MetricChart>& charts,
                                        const std::function<std::vector<Series>(const MetricChart&)>& series_of);

}  // namespace mmkd

#include "report/chart_sections.hpp"

#include "report/svg_chart.hpp"

#include <cctype>

namespace mmkd {

namespace {

std::string section_anchor(const std::string& name) {
  std::string anchor;
  for (const char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) anchor += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!anchor.empty() && anchor.back() != '-') anchor += '-';
  return anchor;
}

}  // namespace

std::vector<HtmlSection> chart_sections(const std::vector<MetricChart>& charts,
                                        const std::function<std::vector<Series>(const MetricChart&)>& series_of) {
  std::vector<HtmlSection> sections;
  std::vector<std::string> svgs;
  for (size_t i = 0; i < charts.size(); ++i) {
    LineChart chart;
    chart.title = charts[i].title;
    chart.series = series_of(charts[i]);
    chart.smoothing = charts[i].smoothed ? kReportSmoothing : 0;
    svgs.push_back(line_chart_svg(chart));
    if (i + 1 == charts.size() || charts[i + 1].section != charts[i].section) {
      sections.push_back({section_anchor(charts[i].section), charts[i].section, chart_grid(svgs)});
      svgs.clear();
    }
  }
  return sections;
}

}  // namespace mmkd

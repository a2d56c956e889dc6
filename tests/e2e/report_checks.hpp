#pragma once
// Reading the charts of report.html back (`mmkd report`), and a run folder written by hand.
#include "mmkd_testing.hpp"

#include <cmath>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace mmkd::testing {

// The <svg> element whose data-chart is `title`; "" when the report has none.
inline std::string chart_svg(const std::string& html, const std::string& title) {
  const size_t start = html.find("data-chart=\"" + title + "\"");
  if (start == std::string::npos) return "";
  const size_t open = html.rfind("<svg", start);
  return html.substr(open, html.find("</svg>", start) + 6 - open);
}

// Every <svg> element of the report whose data-kind is `kind` ("line" or "bar").
inline std::vector<std::string> chart_svgs_of_kind(const std::string& html, const std::string& kind) {
  std::vector<std::string> charts;
  for (size_t open = html.find("<svg"); open != std::string::npos; open = html.find("<svg", open + 4)) {
    const std::string chart = html.substr(open, html.find("</svg>", open) + 6 - open);
    if (chart.find("data-kind=\"" + kind + "\"") != std::string::npos) charts.push_back(chart);
  }
  return charts;
}

struct ChartPath {
  std::string series, role;
  int points = 0;
};

// The series paths of a chart (or of a whole page) in order, as attributes say.
inline std::vector<ChartPath> chart_paths(const std::string& svg) {
  static const std::regex path(R"re(<path data-series="([^"]*)" data-role="([a-z]+)" data-points="(\d+)")re");
  std::vector<ChartPath> paths;
  for (std::sregex_iterator it(svg.begin(), svg.end(), path), end; it != end; ++it)
    paths.push_back({(*it)[1], (*it)[2], std::stoi((*it)[3])});
  return paths;
}

// The point counts of `series`' paths with `role` in `svg`.
inline std::vector<int> series_point_counts(const std::string& svg, const std::string& series, const std::string& role) {
  std::vector<int> counts;
  for (const auto& path : chart_paths(svg))
    if (path.series == series && path.role == role) counts.push_back(path.points);
  return counts;
}

// A finished run folder as mmkd writes it, without training: `steps` logged steps of a loss
// (NaN at step 3), lr and samples/s, a validation every 100 steps, status.json, config.yaml and
// eval/results.md.
inline void write_run_folder_by_hand(const std::string& run_dir, int steps) {
  std::filesystem::create_directories(run_dir + "/eval");
  std::ostringstream metrics;
  for (int step = 1; step <= steps; ++step) {
    metrics << "{\"step\": " << step << ", \"loss\": ";
    if (step == 3) metrics << "\"nan\"";
    else metrics << 4.0 / (1 + 0.01 * step) + 0.1 * std::sin(step);
    metrics << ", \"kd.loss\": " << 2.0 / (1 + 0.01 * step) << ", \"lr\": " << 0.001 * (1 - double(step) / steps)
            << ", \"samples_per_second\": " << 900 + step % 7 << "}\n";
    if (step % 100 == 0) metrics << "{\"step\": " << step << ", \"eval.retrieval.i2t_r1\": " << 0.001 * step << "}\n";
  }
  write_file(run_dir + "/metrics.jsonl", metrics.str());
  write_file(run_dir + "/status.json", "{\"state\": \"finished\", \"step\": " + std::to_string(steps) + "}\n");
  write_file(run_dir + "/config.yaml", "name: handmade\ntrainer: {max_steps: " + std::to_string(steps) + "}\n");
  write_file(run_dir + "/eval/results.md",
             "| Model | eval |\n| --- | --- |\n|  | R@1 |\n| handmade (step " + std::to_string(steps) + ") | 3.00 |\n");
}

}  // namespace mmkd::testing

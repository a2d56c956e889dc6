#pragma once
// The report of a sweep folder (`mmkd sweep`).
#include <string>

namespace mmkd {

// One HTML document: the comparison table of results.csv (without one: every run's last value
// of each eval.* metric) with each run's state and the best value of each column in bold, a bar
// chart of every run's last value of the first metric, and each metric's curves of all runs
// overlaid, one colour per run. Links to the runs' own reports are relative to `report_dir`.
std::string sweep_report_html(const std::string& sweep_dir, const std::string& report_dir);

// Whether a lower value of the metric is better, by the last part of its name: losses, ranks,
// perplexities and errors.
bool lower_is_better(const std::string& metric);

}  // namespace mmkd

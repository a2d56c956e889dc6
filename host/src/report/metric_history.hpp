#pragma once
// A run's metrics.jsonl read back as series over steps.
#include "report/series.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mmkd {

// Every key's (step, value) points, in step order. Numbers and the strings "nan", "inf" and
// "-inf" (MetricsLog's non-finite values) count; other values, records without a step and
// lines that are not JSON are left out. Empty when the file is missing.
using MetricHistory = std::map<std::string, std::vector<Point>>;
MetricHistory read_metric_history(const std::string& metrics_path);

// The value of the last point with a finite value of `key`, if any.
std::optional<double> last_finite_value(const MetricHistory& history, const std::string& key);

}  // namespace mmkd

#include "report/metric_history.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

namespace mmkd {

namespace {

std::optional<double> logged_number(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

}  // namespace

MetricHistory read_metric_history(const std::string& metrics_path) {
  MetricHistory history;
  std::ifstream in(metrics_path);
  std::string line;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (!record.is_object() || !record.contains("step") || !record["step"].is_number()) continue;
    const double step = record["step"].get<double>();
    for (const auto& [key, value] : record.items())
      if (key != "step")
        if (const auto number = logged_number(value)) history[key].push_back({step, *number});
  }
  for (auto& [_, points] : history)
    std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
  return history;
}

std::optional<double> last_finite_value(const MetricHistory& history, const std::string& key) {
  const auto it = history.find(key);
  if (it == history.end()) return std::nullopt;
  for (auto point = it->second.rbegin(); point != it->second.rend(); ++point)
    if (std::isfinite(point->y)) return point->y;
  return std::nullopt;
}

}  // namespace mmkd

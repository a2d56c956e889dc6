#include "report/metric_charts.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace mmkd {

namespace {

const char* const kChartSections[] = {"Losses", "Evaluation", "Optimisation", "Throughput and memory", "Data", "Other"};
enum ChartSection { kLosses, kEvaluation, kOptimisation, kThroughput, kData, kOther };

// A chart a metric belongs to: its section, a key that names the chart, its title.
struct ChartPlace {
  ChartSection section;
  std::string chart;
  std::string title;
  bool smoothed;
};

bool has_word(const std::string& leaf, const std::string& word) { return leaf.find(word) != std::string::npos; }

std::vector<ChartPlace> chart_places(const std::string& key) {
  if (key == "step" || key == "epoch") return {};
  if (key == "loss") return {{kLosses, "loss", "loss: total and per loss", true}};
  const size_t dot = key.rfind('.');
  if (dot == std::string::npos) {
    if (key == "lr") return {{kOptimisation, key, "learning rate", false}};
    if (key == "grad_norm") return {{kOptimisation, key, "gradient norm", true}};
    if (key == "samples_per_second") return {{kThroughput, key, "samples/s", true}};
    if (key == "tflops_per_second") return {{kThroughput, key, "TFLOP/s", true}};
    if (key == "mfu") return {{kThroughput, key, "model FLOP utilisation", true}};
    return {{kOther, key, key, false}};
  }
  const std::string prefix = key.substr(0, dot);
  const std::string leaf = key.substr(dot + 1);
  if (prefix == "time") return {{kThroughput, prefix, "time per step by phase (s)", true}};
  if (prefix == "memory") return {{kThroughput, prefix, "memory (MiB)", false}};
  if (prefix == "data" || prefix.rfind("data.", 0) == 0) return {{kData, prefix, prefix, false}};
  if (prefix == "eval" || prefix.rfind("eval.", 0) == 0) {
    for (const char* kind : {"rank", "loss", "perplexity"})
      if (has_word(leaf, kind)) return {{kEvaluation, prefix + "/" + kind, prefix + " (" + kind + ")", false}};
    return {{kEvaluation, prefix, prefix, false}};
  }
  std::vector<ChartPlace> places;
  if (leaf == "loss" && prefix.find('.') == std::string::npos) places.push_back(chart_places("loss").front());
  if (has_word(leaf, "loss")) places.push_back({kLosses, prefix + "/loss", prefix + ": losses", true});
  else if (has_word(leaf, "acc")) places.push_back({kLosses, prefix + "/acc", prefix + ": accuracy", true});
  else places.push_back({kLosses, key, key, true});
  return places;
}

}  // namespace

std::vector<MetricChart> run_charts(const std::vector<std::string>& keys) {
  std::map<std::tuple<int, bool, std::string>, MetricChart> charts;  // the "loss" chart first in its section
  for (const auto& key : keys)
    for (const auto& place : chart_places(key)) {
      MetricChart& chart = charts[{place.section, place.chart != "loss", place.chart}];
      chart.section = kChartSections[place.section];
      chart.title = place.title;
      chart.smoothed = place.smoothed;
      chart.keys.insert(key == "loss" ? chart.keys.begin() : chart.keys.end(), key);  // the total first
    }
  std::vector<MetricChart> ordered;
  for (auto& [_, chart] : charts) ordered.push_back(std::move(chart));
  return ordered;
}

std::vector<MetricChart> per_metric_charts(const std::vector<std::string>& keys) {
  std::map<std::tuple<int, bool, std::string>, MetricChart> charts;
  for (const auto& key : keys) {
    const auto places = chart_places(key);
    if (places.empty()) continue;
    const ChartPlace& place = places.back();
    charts[{place.section, key != "loss", key}] = {kChartSections[place.section], key, {key}, place.smoothed};
  }
  std::vector<MetricChart> ordered;
  for (auto& [_, chart] : charts) ordered.push_back(std::move(chart));
  return ordered;
}

}  // namespace mmkd

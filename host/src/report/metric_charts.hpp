#pragma once
// Which metrics of a run's metrics.jsonl a report draws in one chart, and under which heading.
#include <string>
#include <vector>

namespace mmkd {

struct MetricChart {
  std::string section;  // "Losses", "Evaluation", "Optimisation", "Throughput and memory", "Data" or "Other"
  std::string title;
  std::vector<std::string> keys;
  bool smoothed = false;  // a noisy training metric: drawn raw and smoothed
};

// The charts of a run, sections in the order above: "loss" with every loss' total
// (<loss>.loss); per loss its terms (*loss*), its accuracies (*acc*) and each other metric alone;
// per evaluator (or validation set) its metrics, ranks, losses and perplexities apart; lr;
// grad_norm; samples/s, TFLOP/s and MFU each; time.* together; memory.* together; data.* per
// prefix. "step" and "epoch" are not drawn.
std::vector<MetricChart> run_charts(const std::vector<std::string>& keys);

// One chart per metric, in the sections and order of run_charts (a sweep's runs overlaid).
std::vector<MetricChart> per_metric_charts(const std::vector<std::string>& keys);

}  // namespace mmkd

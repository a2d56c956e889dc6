#include "metrics/interval_metrics.hpp"

#include <torch/types.h>

#include <vector>

namespace mmkd {

void IntervalMetrics::add(const std::string& key, const torch::Tensor& value) {
  Sum& sum = sums_[key];
  sum.value = sum.value.defined() ? sum.value + value : value;
  ++sum.count;
}

void IntervalMetrics::add_losses(const LossValues& losses) {
  add("loss", losses.total.detach());
  for (const auto& [key, value] : losses.values) add(key, value);
}

double IntervalMetrics::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

std::map<std::string, double> IntervalMetrics::take_means(Collectives* ranks) {
  std::map<std::string, double> means;
  if (!sums_.empty()) {
    std::vector<torch::Tensor> on_device;
    for (const auto& [_, sum] : sums_) on_device.push_back(sum.value.to(torch::kDouble));
    torch::Tensor totals = torch::stack(on_device).cpu();
    if (ranks) {  // every rank holds the same keys
      ranks->all_reduce_sum(totals);
      totals /= ranks->world_size();
    }
    int64_t i = 0;
    for (const auto& [key, sum] : sums_) means[key] = totals[i++].item<double>() / static_cast<double>(sum.count);
  }
  sums_.clear();
  steps_ = 0;
  started_ = std::chrono::steady_clock::now();
  return means;
}

}  // namespace mmkd

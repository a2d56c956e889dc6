#pragma once
// The metrics between two log lines: loss values per micro-batch and the gradient norm per step,
// summed on the device and read once per log line as means over the calls and the ranks.
#include "graph/graph.hpp"

#include <mmkd/collectives.hpp>

#include <chrono>
#include <map>
#include <string>

namespace mmkd {

class IntervalMetrics {
 public:
  IntervalMetrics() : started_(std::chrono::steady_clock::now()) {}

  void add(const std::string& key, const torch::Tensor& value);
  void add_losses(const LossValues& losses);  // "loss" and every loss's values
  void step_done() { ++steps_; }

  int64_t steps() const { return steps_; }
  double seconds() const;  // since the interval started

  // The mean of every key over its calls and over the ranks of `ranks` (null: this process
  // alone), in one device-to-host transfer; then a new interval starts.
  std::map<std::string, double> take_means(Collectives* ranks);

 private:
  struct Sum {
    torch::Tensor value;
    int64_t count = 0;
  };
  std::map<std::string, Sum> sums_;
  int64_t steps_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace mmkd

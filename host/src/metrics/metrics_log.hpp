#pragma once
// metrics.jsonl in the run folder: one JSON object per logged step.
#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace mmkd {

class MetricsLog {
 public:
  // Opens for appending; lines of steps after `resumed_step` (logged by an interrupted run
  // after its last checkpoint) are dropped first.
  MetricsLog(const std::string& path, int64_t resumed_step);
  void write(int64_t step, const std::map<std::string, double>& metrics);

 private:
  std::ofstream out_;
};

}  // namespace mmkd

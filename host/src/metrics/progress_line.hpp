#pragma once
// The console line of a run: rewritten in place on a terminal, plain lines otherwise.
#include <cstdint>
#include <string>

namespace mmkd {

struct Progress {
  int64_t step = 0, total_steps = 0, epoch = 0, epochs = 0;
  double loss = 0, lr = 0, samples_per_second = 0, eta_seconds = 0;
};

class ProgressLine {
 public:
  explicit ProgressLine(bool terminal);
  void show(const Progress& progress);
  void message(const std::string& text);  // a line of its own, e.g. validation results
  static std::string format(const Progress& progress);
  static std::string format_duration(double seconds);  // "1h02m", "3m05s", "42s"

 private:
  bool terminal_;
  bool line_open_ = false;
};

}  // namespace mmkd

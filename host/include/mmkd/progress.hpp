#pragma once
// The progress of a long command counted in items (documents, files, samples), on stderr: one
// line rewritten in place at most 10 times a second on a terminal, a plain line every 10 s and a
// final line otherwise (none for a phase under a second). Training has its own line (the run's log).
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

namespace mmkd {

std::string format_count(int64_t n);         // 1234567 -> "1,234,567"
std::string format_duration(double seconds);  // "1h02m", "3m05s", "42s"

// "tokenize  1,234/5,000 documents  410/s  ETA 9s" after `seconds`; a total of 0 (unknown) gives
// "tokenize  1,234 documents  410/s"; once finished, "in 12s" replaces the ETA.
std::string format_progress(const std::string& label, int64_t done, int64_t total, const std::string& unit,
                            double seconds, bool finished = false);

// Off in the ranks other than 0 of a data-parallel run, which would repeat rank 0's lines.
void show_progress(bool enabled);

class CountProgress {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic

  // On stderr, rewritten in place when stderr is a terminal; total 0 = unknown.
  CountProgress(std::string label, int64_t total, std::string unit);
  CountProgress(std::string label, int64_t total, std::string unit, std::FILE* out, bool terminal, Clock clock);
  ~CountProgress();  // finish()
  CountProgress(const CountProgress&) = delete;
  CountProgress& operator=(const CountProgress&) = delete;

  void advance(int64_t n = 1);  // thread-safe
  void finish();                // the final line; later calls do nothing
  int64_t done() const;

 private:
  void show(double now, bool finished);

  const std::string label_, unit_;
  const int64_t total_;
  std::FILE* const out_;
  const bool terminal_;
  const Clock clock_;
  const double start_;
  mutable std::mutex mutex_;
  int64_t done_ = 0;
  double shown_at_;
  bool finished_ = false;
};

}  // namespace mmkd

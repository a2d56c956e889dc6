#include <mmkd/progress.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <unistd.h>

namespace mmkd {

namespace {

std::atomic<bool> progress_shown{true};

constexpr double terminal_interval_seconds = 0.1;
constexpr double plain_interval_seconds = 10;
constexpr double quiet_phase_seconds = 1;  // plain output says nothing of a shorter phase

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string format_rate(double per_second) {
  if (per_second < 10) return fmt::format("{:.1f}/s", per_second);
  return format_count(std::llround(per_second)) + "/s";
}

}  // namespace

std::string format_count(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -static_cast<uint64_t>(n) : static_cast<uint64_t>(n));
  std::string grouped = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string format_progress(const std::string& label, int64_t done, int64_t total, const std::string& unit,
                            double seconds, bool finished) {
  std::string line = label + "  " + format_count(done) + (total > 0 ? "/" + format_count(total) : "") + " " + unit;
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  if (rate > 0) line += "  " + format_rate(rate);
  if (finished)
    line += "  in " + format_duration(seconds);
  else if (rate > 0 && total > done)
    line += "  ETA " + format_duration(static_cast<double>(total - done) / rate);
  return line;
}

void show_progress(bool enabled) { progress_shown = enabled; }

CountProgress::CountProgress(std::string label, int64_t total, std::string unit)
    : CountProgress(std::move(label), total, std::move(unit), stderr, isatty(fileno(stderr)) == 1, steady_seconds) {}

CountProgress::CountProgress(std::string label, int64_t total, std::string unit, std::FILE* out, bool terminal,
                             Clock clock)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      out_(out),
      terminal_(terminal),
      clock_(std::move(clock)),
      start_(clock_()),
      shown_at_(start_) {}

CountProgress::~CountProgress() { finish(); }

void CountProgress::advance(int64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += n;
  if (finished_) return;
  const double now = clock_();
  if (now - shown_at_ >= (terminal_ ? terminal_interval_seconds : plain_interval_seconds)) show(now, false);
}

void CountProgress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  const double now = clock_();
  if (terminal_ || shown_at_ > start_ || now - start_ >= quiet_phase_seconds) show(now, true);
}

int64_t CountProgress::done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

void CountProgress::show(double now, bool finished) {
  if (!progress_shown) return;
  const std::string line = format_progress(label_, done_, total_, unit_, now - start_, finished);
  if (terminal_)
    std::fprintf(out_, "\r\033[K%s%s", line.c_str(), finished ? "\n" : "");
  else
    std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
  shown_at_ = now;
}

}  // namespace mmkd

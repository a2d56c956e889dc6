#include "train/progress_line.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

namespace mmkd {

ProgressLine::ProgressLine(bool terminal) : terminal_(terminal) {}

std::string ProgressLine::format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string ProgressLine::format(const Progress& p) {
  return fmt::format("step {}/{} | epoch {}/{} | loss {:.4f} | lr {:.2e} | {:.0f} samples/s | ETA {}", p.step,
                     p.total_steps, p.epoch, p.epochs, p.loss, p.lr, p.samples_per_second,
                     format_duration(p.eta_seconds));
}

void ProgressLine::show(const Progress& progress) {
  if (terminal_) {
    std::printf("\r\033[K%s", format(progress).c_str());
    line_open_ = true;
  } else {
    std::printf("%s\n", format(progress).c_str());
  }
  std::fflush(stdout);
}

void ProgressLine::message(const std::string& text) {
  if (line_open_) std::printf("\n");
  line_open_ = false;
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

}  // namespace mmkd

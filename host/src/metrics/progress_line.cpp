#include "metrics/progress_line.hpp"

#include <mmkd/progress.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace mmkd {

ProgressLine::ProgressLine(bool terminal) : terminal_(terminal) {}

std::string ProgressLine::format_duration(double seconds) { return mmkd::format_duration(seconds); }

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

#include "cli/bench_command.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace mmkd {

std::vector<std::string> bench_overrides(const BenchRequest& request) {
  return {fmt::format("trainer.max_steps={}", request.warmup + request.steps),
          fmt::format("trainer.log_every={}", std::max<int64_t>(request.warmup, 1)),
          fmt::format("trainer.time_phases={}", request.phases),
          "eval.evaluators=null",
          "eval.losses=false",
          "eval.best_metric=''",
          "log.loggers=null"};
}

BenchFigures summarise_bench(const std::string& metrics_path, int64_t warmup) {
  std::ifstream in(metrics_path);
  if (!in) throw Error("cannot read " + metrics_path);
  BenchFigures figures;
  double seconds_per_sample_sum = 0, tflop_sum = 0, mfu_sum = 0;  // weighted by each record's time
  int64_t previous_step = 0;
  std::string line;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.contains("samples_per_second")) continue;
    const int64_t step = record["step"].get<int64_t>(), steps = step - previous_step;
    previous_step = step;
    if (step <= warmup) continue;
    const double sps = record["samples_per_second"].get<double>();
    figures.steps += steps;
    seconds_per_sample_sum += static_cast<double>(steps) / sps;
    tflop_sum += record.value("tflops_per_second", 0.0) * static_cast<double>(steps) / sps;
    mfu_sum += record.value("mfu", 0.0) * static_cast<double>(steps) / sps;
    figures.peak_memory_mib = std::max(figures.peak_memory_mib, record.value("memory.peak_mib", 0.0));
    for (const auto& [key, value] : record.items())
      if (key.rfind("time.", 0) == 0) figures.phase_seconds[key.substr(5)] += value.get<double>() * static_cast<double>(steps);
  }
  if (figures.steps == 0) throw Error(metrics_path + " holds no record after the warmup steps");
  figures.samples_per_second = static_cast<double>(figures.steps) / seconds_per_sample_sum;
  figures.tflops_per_second = tflop_sum / seconds_per_sample_sum;
  figures.mfu = mfu_sum / seconds_per_sample_sum;
  for (auto& [_, seconds] : figures.phase_seconds) seconds /= static_cast<double>(figures.steps);
  return figures;
}

TempRunDir::TempRunDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mmkd-bench-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw Error("cannot create a temporary folder " + pattern);
  folder_ = pattern;
}

TempRunDir::~TempRunDir() {
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::string describe_bench(const BenchFigures& figures) {
  std::string text = fmt::format("samples_per_second {:.2f}\ntflops_per_second {:.4f}\n", figures.samples_per_second,
                                 figures.tflops_per_second);
  if (figures.mfu > 0) text += fmt::format("mfu {:.4f}\n", figures.mfu);
  if (figures.peak_memory_mib > 0) text += fmt::format("peak_memory_mib {:.1f}\n", figures.peak_memory_mib);
  double total = 0;
  for (const auto& [_, seconds] : figures.phase_seconds) total += seconds;
  if (figures.phase_seconds.size() <= 1) return text;  // the wait for data alone: --no-phases
  text += fmt::format("step {:.4f} s over {} steps:", total, figures.steps);
  for (const char* phase : {"data", "teacher", "student", "backward", "optimizer"}) {
    auto it = figures.phase_seconds.find(phase);
    if (it != figures.phase_seconds.end()) text += fmt::format(" {} {:.4f} s ({:.0f}%)", phase, it->second, 100 * it->second / total);
  }
  return text + "\n";
}

}  // namespace mmkd

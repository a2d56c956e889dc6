#include "state/best_checkpoint.hpp"

#include "io/atomic_file.hpp"

#include <mmkd/error.hpp>
#include <mmkd/safetensors.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace mmkd {

BestCheckpoint::BestCheckpoint(const Options& eval_options, const std::string& run_dir, bool writer)
    : metric_(writer ? eval_options.get<std::string>("best_metric") : std::string()),
      maximise_(eval_options.get<std::string>("best_mode") == "max"),
      weights_path_((fs::path(run_dir) / "best.safetensors").string()),
      record_path_((fs::path(run_dir) / "eval" / "best.json").string()) {
  if (metric_.empty() || !fs::exists(record_path_) || !fs::exists(weights_path_)) return;
  std::ifstream in(record_path_);
  auto record = nlohmann::json::parse(in, nullptr, false);
  if (record.is_discarded() || record.value("metric", std::string()) != metric_ || !record["value"].is_number())
    throw Error(record_path_ + ": unreadable or written for another best_metric than `" + metric_ +
                "`; remove it and best.safetensors to start the best from scratch");
  best_ = record["value"].get<double>();
}

bool BestCheckpoint::improves(double value) const {
  if (!std::isfinite(value)) return false;
  if (!best_) return true;
  return maximise_ ? value > *best_ : value < *best_;
}

bool BestCheckpoint::offer(int64_t step, const std::map<std::string, double>& metrics, const TensorMap& weights) {
  if (metric_.empty()) return false;
  auto it = metrics.find(metric_);
  if (it == metrics.end() || !improves(it->second)) return false;
  write_safetensors(weights_path_, weights);
  nlohmann::json record{{"metric", metric_}, {"mode", maximise_ ? "max" : "min"}, {"value", it->second}, {"step", step}};
  write_text_atomically(record_path_, record.dump(2) + "\n");
  best_ = it->second;
  return true;
}

}  // namespace mmkd

#pragma once
// `eval.best_metric`: the weights of the best validation so far as RUN/best.safetensors, with
// RUN/eval/best.json saying which step and value; a resumed run continues from best.json.
#include <mmkd/options.hpp>
#include <mmkd/tensor_map.hpp>

#include <map>
#include <optional>
#include <string>

namespace mmkd {

class BestCheckpoint {
 public:
  // `writer`: false on ranks other than 0 (they keep nothing).
  BestCheckpoint(const Options& eval_options, const std::string& run_dir, bool writer);

  // Writes `weights` when `metrics` holds a finite value of the chosen metric better than the
  // best so far; returns whether it did.
  bool offer(int64_t step, const std::map<std::string, double>& metrics, const TensorMap& weights);
  bool enabled() const { return !metric_.empty(); }
  const std::string& metric() const { return metric_; }
  double value() const { return best_.value_or(0.0); }

 private:
  bool improves(double value) const;

  std::string metric_;  // empty: off
  bool maximise_;
  std::string weights_path_, record_path_;
  std::optional<double> best_;
};

}  // namespace mmkd

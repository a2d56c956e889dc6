#include "metrics/metrics_log.hpp"

#include <mmkd/error.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>
#include <vector>

namespace mmkd {

MetricsLog::MetricsLog(const std::string& path, int64_t resumed_step) {
  std::vector<std::string> kept;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      auto record = nlohmann::json::parse(line, nullptr, false);
      if (!record.is_discarded() && record.value("step", int64_t{0}) <= resumed_step) kept.push_back(line);
    }
  }
  out_.open(path, std::ios::trunc);
  if (!out_) throw Error("cannot write " + path);
  for (const auto& line : kept) out_ << line << "\n";
  out_.flush();
}

void MetricsLog::write(int64_t step, const std::map<std::string, double>& metrics) {
  nlohmann::json record;
  record["step"] = step;
  for (const auto& [key, value] : metrics) {
    if (std::isfinite(value)) record[key] = value;
    else record[key] = std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  }
  out_ << record.dump() << "\n";
  out_.flush();
}

}  // namespace mmkd

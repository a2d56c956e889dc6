// The experiment loader: exp.yaml extending base.yaml, then overrides (one per line), with
// interpolation and the smoke and bench variants. Input: exp.yaml #--- base.yaml #--- overrides.
#include "fuzz_target.hpp"

#include "config/experiment_file.hpp"

#include <sstream>

MMKD_FUZZ_TARGET(experiment_yaml) {
  const std::vector<std::string> parts = mmkd::fuzz::input_parts(data, size);
  auto file = [&](const std::string& name, size_t part) {
    const std::string text = part < parts.size() ? parts[part] : "";
    return mmkd::fuzz::scratch_file(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  };
  const std::string experiment = file("exp.yaml", 0);
  file("base.yaml", 1);
  std::vector<std::string> overrides;
  if (parts.size() > 2) {
    std::istringstream lines(parts[2]);
    for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  }
  for (const auto variant : {mmkd::ExperimentVariant::as_written, mmkd::ExperimentVariant::smoke, mmkd::ExperimentVariant::bench})
    mmkd::fuzz::allow_input_errors([&] { mmkd::to_yaml(mmkd::load_experiment(experiment, overrides, variant)); });
}

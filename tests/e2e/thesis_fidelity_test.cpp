#include "config/experiment_file.hpp"
#include "graph/experiment_plan.hpp"
#include "graph/planned_config.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

using namespace mmkd::testing;

namespace {

namespace fs = std::filesystem;

// One row of docs/thesis-fidelity.md: a setting, the config key that holds it and its value.
struct TracedSetting {
  std::string key, value;
  int line = 0;
};

// `text` without surrounding backticks and spaces, or "" when it is not one backticked span.
std::string backticked(const std::string& cell) {
  const size_t first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
  if (first == std::string::npos || cell[first] != '`' || cell[last] != '`' || last == first) return "";
  return cell.substr(first + 1, last - first - 1);
}

std::vector<std::string> table_cells(const std::string& row) {
  std::vector<std::string> cells;
  std::stringstream stream(row.substr(1));
  std::string cell;
  while (std::getline(stream, cell, '|')) cells.push_back(cell);
  return cells;
}

// Experiment file (relative to the repository) -> its traced settings: each `## ` heading that
// names an experiments/...yaml file starts its table; rows with a backticked key are traced.
std::map<std::string, std::vector<TracedSetting>> fidelity_tables() {
  std::map<std::string, std::vector<TracedSetting>> tables;
  std::stringstream doc(read_file(source_dir() + "/docs/thesis-fidelity.md"));
  std::string line, file;
  for (int number = 1; std::getline(doc, line); ++number) {
    if (line.rfind("## ", 0) == 0) {
      const size_t start = line.find("`experiments/"), end = line.find(".yaml`");
      file = start != std::string::npos && end != std::string::npos ? line.substr(start + 1, end + 4 - start) : "";
      if (!file.empty()) tables[file];
      continue;
    }
    if (file.empty() || line.rfind("|", 0) != 0) continue;
    const std::vector<std::string> cells = table_cells(line);
    if (cells.size() < 3) continue;
    const std::string key = backticked(cells[1]), value = backticked(cells[2]);
    if (!key.empty() && !value.empty()) tables[file].push_back({key, value, number});
  }
  return tables;
}

bool same_scalar(const std::string& a, const std::string& b) {
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
  if (!a.empty() && !b.empty() && *end_a == '\0' && *end_b == '\0')
    return std::abs(x - y) <= 1e-9 * std::max(std::abs(x), std::abs(y));
  return a == b;
}

bool same_value(const mmkd::ConfigNode& actual, const mmkd::ConfigNode& expected) {
  if (expected.is_list()) {
    if (!actual.is_list() || actual.items().size() != expected.items().size()) return false;
    for (size_t i = 0; i < expected.items().size(); ++i)
      if (!same_value(actual.items()[i], expected.items()[i])) return false;
    return true;
  }
  if (expected.is_map()) {
    if (!actual.is_map()) return false;
    for (const auto& [key, value] : expected.entries()) {
      const mmkd::ConfigNode* found = actual.find(key);
      if (found == nullptr || !same_value(*found, value)) return false;
    }
    return true;
  }
  return !actual.is_list() && !actual.is_map() && same_scalar(actual.value(), expected.value());
}

// The experiment as it runs: resolved, planned with every plugin, defaults written in.
mmkd::ConfigNode as_it_runs(const std::string& file) {
  const mmkd::ConfigNode config = mmkd::load_experiment(file, {});
  return mmkd::config_with_defaults(mmkd::plan_experiment(plugins(), config, file, {}));
}

mmkd::ConfigNode documented_value(const TracedSetting& setting) {
  const mmkd::ConfigNode row = mmkd::parse_yaml_string("value: " + setting.value, "docs/thesis-fidelity.md");
  return *row.at_path("value");
}

std::string flow(const mmkd::ConfigNode& node) {
  std::string text = mmkd::to_yaml(node);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

// Every thesis experiment and every fine-tuning file has its table of traced settings.
TEST(ThesisFidelity, EveryThesisAndFineTuningFileHasATable) {
  const auto tables = fidelity_tables();
  for (const char* folder : {"experiments/thesis", "experiments/finetune"})
    for (const auto& file : experiment_files(source_dir() + "/" + folder)) {
      const std::string relative = std::string(folder) + "/" + fs::path(file).filename().string();
      auto table = tables.find(relative);
      ASSERT_NE(table, tables.end()) << relative << " has no section in docs/thesis-fidelity.md";
      EXPECT_GE(table->second.size(), 5u) << relative;
    }
}

// Each traced setting of docs/thesis-fidelity.md holds its documented value in the experiment
// as it runs, so that no value drifts from its source unnoticed.
TEST(ThesisFidelity, EveryTracedSettingHasItsDocumentedValue) {
  int checked = 0;
  for (const auto& [file, settings] : fidelity_tables()) {
    const mmkd::ConfigNode config = as_it_runs(source_dir() + "/" + file);
    for (const auto& setting : settings) {
      const mmkd::ConfigNode expected = documented_value(setting);
      const mmkd::ConfigNode* actual = config.at_path(setting.key);
      if (actual == nullptr) {
        ADD_FAILURE() << "docs/thesis-fidelity.md:" << setting.line << ": " << file << " has no key `" << setting.key
                      << "`";
        continue;
      }
      EXPECT_TRUE(same_value(*actual, expected))
          << "docs/thesis-fidelity.md:" << setting.line << ": " << file << " `" << setting.key << "` is "
          << flow(*actual) << ", the table says " << setting.value;
      ++checked;
    }
  }
  EXPECT_GT(checked, 500);
}

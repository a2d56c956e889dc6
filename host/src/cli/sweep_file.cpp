#include "cli/sweep_file.hpp"

#include "config/experiment_file.hpp"

#include <mmkd/error.hpp>

#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {
namespace {

// `key=value` with the value as YAML (flow style for lists and maps).
std::string override_text(const std::string& key, const ConfigNode& value) {
  std::string yaml = value.is_scalar() ? value.value() : to_yaml(value);
  if (value.is_scalar() && value.quoted()) yaml = "'" + yaml + "'";
  return key + "=" + yaml;
}

std::string label(const std::string& key, const ConfigNode& value) {
  return key + "=" + (value.is_scalar() ? value.value() : value.describe());
}

// Every combination of the grid's values, in the order of its keys (the last varies fastest).
std::vector<SweepRun> grid_runs(const ConfigNode& grid, std::vector<Diagnostic>& errors) {
  std::vector<SweepRun> runs = {SweepRun{}};
  for (const auto& [key, values] : grid.entries()) {
    if (!values.is_list() || values.items().empty()) {
      errors.push_back({values.where(), "grid." + key, "expected a non-empty list of values"});
      continue;
    }
    std::vector<SweepRun> combined;
    for (const auto& run : runs)
      for (const auto& value : values.items()) {
        SweepRun next = run;
        next.name += (next.name.empty() ? "" : ",") + label(key, value);
        next.overrides.push_back(override_text(key, value));
        combined.push_back(std::move(next));
      }
    runs = std::move(combined);
  }
  return runs;
}

// The parts of `text` between commas outside brackets and quotes: "1e-4,2e-4" -> 2, "[a,b]" -> 1.
std::vector<std::string> comma_separated(const std::string& text) {
  std::vector<std::string> parts(1);
  int depth = 0;
  char quote = 0;
  for (const char c : text) {
    if (quote) quote = c == quote ? 0 : quote;
    else if (c == '\'' || c == '"') quote = c;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0 && !quote) parts.emplace_back();
    else parts.back() += c;
  }
  return parts;
}

}  // namespace

SweepFile multirun_sweep(const std::string& experiment, const std::string& name, const std::vector<std::string>& overrides,
                         const std::string& runs_dir) {
  SweepFile sweep;
  sweep.name = name;
  sweep.experiment = fs::absolute(experiment).lexically_normal().string();
  sweep.folder = (fs::absolute(runs_dir) / name).lexically_normal().string();
  ConfigNode grid = ConfigNode::map({"<command line>", 0, 0});
  for (const std::string& text : overrides) {
    const size_t equals = text.find('=');
    const std::vector<std::string> values =
        equals == std::string::npos || text[0] == '~' ? std::vector<std::string>{} : comma_separated(text.substr(equals + 1));
    if (values.size() < 2) {
      sweep.overrides.push_back(text);
      continue;
    }
    ConfigNode list = ConfigNode::list(grid.where());
    for (const std::string& value : values) list.push_back(parse_yaml_string(value, "<command line>"));
    grid.set(text.substr(0, equals), std::move(list));
  }
  std::vector<Diagnostic> errors;
  sweep.runs = grid_runs(grid, errors);
  if (!errors.empty()) throw ConfigError(errors);
  return sweep;
}

SweepFile read_sweep_file(const std::string& path, const std::string& runs_dir) {
  const ConfigNode root = parse_yaml_file(path);
  std::vector<Diagnostic> errors;
  auto error = [&](const ConfigNode& node, const std::string& key, const std::string& message) {
    errors.push_back({node.where(), key, message});
  };
  SweepFile sweep;
  if (!root.is_map()) throw ConfigError(root.where(), "", "a sweep is a map (name, experiment, grid or runs), got " + root.describe());
  for (const auto& [key, node] : root.entries())
    if (key != "name" && key != "experiment" && key != "overrides" && key != "grid" && key != "runs" && key != "metrics" &&
        key != "parallel")
      error(node, key, "unknown key; a sweep has name, experiment, overrides, grid or runs, metrics, parallel");
  const ConfigNode* name = root.find("name");
  if (!name || !name->is_scalar() || name->value().empty() || name->value().find('/') != std::string::npos)
    error(name ? *name : root, "name", "expected the sweep's name (a folder name, and the W&B group)");
  else
    sweep.name = name->value();
  const ConfigNode* experiment = root.find("experiment");
  if (!experiment || !experiment->is_scalar()) {
    error(experiment ? *experiment : root, "experiment", "expected the base experiment's file, relative to the sweep file");
  } else {
    const fs::path file = fs::absolute(path).parent_path() / experiment->value();
    if (!fs::is_regular_file(file)) error(*experiment, "experiment", "no file " + file.lexically_normal().string());
    sweep.experiment = file.lexically_normal().string();
  }
  if (const ConfigNode* common = root.find("overrides")) {
    if (!common->is_map()) error(*common, "overrides", "expected a map of key.path: value");
    else for (const auto& [key, value] : common->entries()) sweep.overrides.push_back(override_text(key, value));
  }
  const ConfigNode* grid = root.find("grid");
  const ConfigNode* runs = root.find("runs");
  if (!grid == !runs) error(root, "grid", "give either `grid` (values to combine) or `runs` (a list of override sets)");
  if (grid) {
    if (!grid->is_map() || grid->entries().empty()) error(*grid, "grid", "expected a map of key.path: [values]");
    else sweep.runs = grid_runs(*grid, errors);
  }
  if (runs) {
    if (!runs->is_list() || runs->items().empty()) error(*runs, "runs", "expected a list of {name, overrides}");
    else
      for (size_t i = 0; i < runs->items().size(); ++i) {
        const ConfigNode& item = runs->items()[i];
        const std::string key = "runs." + std::to_string(i);
        const ConfigNode* run_name = item.is_map() ? item.find("name") : nullptr;
        const ConfigNode* overrides = item.is_map() ? item.find("overrides") : nullptr;
        if (!run_name || !run_name->is_scalar() || run_name->value().find('/') != std::string::npos) {
          error(item, key + ".name", "expected a run name (a folder name)");
          continue;
        }
        SweepRun run{run_name->value(), {}};
        if (overrides && !overrides->is_map()) error(*overrides, key + ".overrides", "expected a map of key.path: value");
        if (overrides && overrides->is_map())
          for (const auto& [k, value] : overrides->entries()) run.overrides.push_back(override_text(k, value));
        for (const auto& earlier : sweep.runs)
          if (earlier.name == run.name) error(*run_name, key + ".name", "`" + run.name + "` names two runs");
        sweep.runs.push_back(std::move(run));
      }
  }
  if (const ConfigNode* metrics = root.find("metrics")) {
    if (!metrics->is_list()) error(*metrics, "metrics", "expected a list of metric names, e.g. [eval.retrieval.i2t_r1]");
    else for (const auto& metric : metrics->items()) sweep.metrics.push_back(metric.value());
  }
  if (const ConfigNode* parallel = root.find("parallel")) {
    try {
      sweep.parallel = std::stoi(parallel->value());
      if (sweep.parallel < 1) throw std::invalid_argument("");
    } catch (const std::exception&) {
      error(*parallel, "parallel", "expected a positive number of runs at once");
    }
  }
  if (!errors.empty()) throw ConfigError(errors);
  sweep.folder = (fs::absolute(runs_dir) / sweep.name).lexically_normal().string();
  return sweep;
}

}  // namespace mmkd

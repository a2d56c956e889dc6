#pragma once
// An experiment checked against the loaded components, before any data or weight is read.
#include "config/config_node.hpp"

#include <mmkd/registry.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mmkd {

struct NodePlan {
  Kind kind = Kind::Encoder;
  std::string name;      // "image"
  std::string key_path;  // "model.image"
  SourceLocation where;
  const Registry::Entry* entry = nullptr;
  Options options;
  std::vector<std::pair<std::string, std::string>> inputs;  // port -> tensor name
  std::vector<std::string> outputs;                         // tensor (or metric) names this node writes
  std::string share;                                        // model nodes: reuse this node's module
  std::string momentum_of;                                  // momentum copies: the model node they follow
  double weight = 1.0;                                      // losses; parts of a concatenated training set
  bool frozen = false;                                      // model nodes: `frozen: true` (no gradients, eval mode)
  std::string eval_set;                                     // evaluators: the `data.eval` set they read
  std::string cached;                                       // teachers: `cached:` file of their outputs (absolute)
};

// Whether `port` is an input the node's component declares optional.
bool is_optional_input(const NodePlan& node, const std::string& port);

// Whether the node runs where `present(tensor)` tells which of its input tensors are there: all
// of them, or at least one with every missing one optional (a node reading image and text runs
// on image-only batches and writes what it can). Validation (Graph) and planning share it.
bool runs_with(const NodePlan& node, const std::function<bool(const std::string& tensor)>& present);

struct ExperimentPlan {
  ConfigNode config;  // resolved
  std::string config_path;
  std::string name;
  uint64_t seed = 0;
  std::vector<std::string> plugin_paths;  // absolute
  std::optional<NodePlan> train_data;  // the first part when there are several
  std::vector<NodePlan> train_parts;   // `data.train` as a list: concatenated, each with its weight
  // `data.eval`: one dataset (a set named "eval") or a map of named sets; none: data.train.
  std::vector<NodePlan> eval_sets;
  std::vector<NodePlan> momentum, teachers, model, losses, evaluators, loggers;
  Options optimizer, schedule, trainer, eval, log, momentum_options;
};

// What every component of the experiment is created with: seed, config folder, name (the
// trainer adds device and run folder).
Context base_context(const ExperimentPlan& plan);

// The experiment's `plugins:` list, resolved against the config file's folder.
std::vector<std::string> plugin_paths_of(const ConfigNode& config, const std::string& config_path);

// Checks the whole experiment and throws one ConfigError listing every problem: unknown
// sections, types and options, wrong value types, inputs no earlier node writes (with who
// could write them). `searched` names the plugin folders for unknown-type messages.
ExperimentPlan plan_experiment(const Registry& registry, const ConfigNode& config, const std::string& config_path,
                               const std::vector<std::string>& searched);

}  // namespace mmkd

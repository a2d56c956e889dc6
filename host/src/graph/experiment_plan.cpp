#include "graph/experiment_plan.hpp"

#include "config/option_check.hpp"
#include "config/scalar_parse.hpp"
#include "graph/host_sections.hpp"
#include "graph/momentum_copies.hpp"
#include "graph/node_builder.hpp"
#include "graph/wiring_checks.hpp"
#include "util/names.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace mmkd {
namespace {

const std::vector<std::string> kTopLevelKeys = {"name",   "seed",      "plugins",  "vars",    "data",
                                                "teachers", "model",   "losses",   "optimizer", "schedule",
                                                "trainer", "eval",     "log",      "momentum"};

class Planner {
 public:
  Planner(const Registry& registry, const std::vector<std::string>& searched, const ConfigNode& config,
          const std::string& config_path)
      : files_(files_of(config_path)), nodes_(registry, searched, files_, errors_), wiring_(registry, config, errors_) {}

  ExperimentPlan plan(const ConfigNode& config, const std::string& config_path) {
    ExperimentPlan plan;
    plan.config = config;
    plan.config_path = config_path;
    if (!config.is_map()) {
      error(config.where(), "", "an experiment is a map of sections, got " + config.describe());
      throw ConfigError(errors_);
    }
    for (const auto& [key, node] : config.entries())
      if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) == kTopLevelKeys.end())
        error(node.where(), key,
              "unknown section" + did_you_mean(key, kTopLevelKeys) + "; sections: " + join_names(kTopLevelKeys) +
                  " (put your own variables under `vars:`)");
    plan.name = scalar_or(config, "name", fs::path(config_path).stem().string());
    plan.seed = seed(config);
    plan.plugin_paths = plugin_paths_of(config, config_path);
    plan.optimizer = section_options(config, "optimizer", optimizer_options());
    plan.schedule = section_options(config, "schedule", schedule_options());
    plan.trainer = section_options(config, "trainer", trainer_options());
    plan.eval = section_options(config, "eval", eval_options(), {"evaluators"});
    plan.log = section_options(config, "log", log_options(), {"loggers"});

    plan_data(config, plan);
    WrittenTensors written = plan.train_data ? writes_of(*plan.train_data) : WrittenTensors{};
    plan_graph(config, plan, written);
    plan_losses(config, plan, written);
    plan_evaluators(config, plan, written);
    wiring_.check_best_metric(plan);
    plan_loggers(config, plan);
    if (!errors_.empty()) throw ConfigError(errors_);
    return plan;
  }

 private:
  static Context files_of(const std::string& config_path) {
    Context files;
    files.config_dir = fs::absolute(config_path).parent_path().string();
    return files;
  }

  void error(const SourceLocation& where, const std::string& key, const std::string& message) {
    errors_.push_back({where, key, message});
  }

  // `data.train` (one dataset, or a list concatenated) and `data.eval`.
  void plan_data(const ConfigNode& config, ExperimentPlan& plan) {
    if (const ConfigNode* data = map_section(config, "data")) {
      for (const auto& [key, node] : data->entries())
        if (key != "train" && key != "eval")
          error(node.where(), "data." + key, "unknown dataset role" + did_you_mean(key, {"train", "eval"}) +
                                                 "; roles: train, eval");
      if (const ConfigNode* train = data->find("train")) {
        if (train->is_list()) {
          plan.train_parts = nodes_.training_parts(*train);
          if (!plan.train_parts.empty()) plan.train_data = plan.train_parts.front();
        } else {
          plan.train_data = nodes_.component(Kind::Dataset, "data.train", "train", *train);
        }
      }
      if (const ConfigNode* eval = data->find("eval")) plan.eval_sets = nodes_.eval_sets(*eval);
    }
    if (!plan.train_data) error(config.where(), "data.train", "missing: the training dataset (data.train.type: ...)");
  }

  // Teachers, model nodes and their momentum copies, in the order a step runs them.
  void plan_graph(const ConfigNode& config, ExperimentPlan& plan, WrittenTensors& written) {
    std::set<std::string> node_names = {"batch"};
    plan.teachers = graph_nodes(config, "teachers", Kind::Teacher, node_names);
    plan.model = graph_nodes(config, "model", Kind::Encoder, node_names);
    if (config.find("momentum")) {
      plan.momentum_options = section_options(config, "momentum", momentum_options());
      plan.momentum = momentum_copies(plan.model, plan.momentum_options, node_names, errors_);
    }
    for (const auto& node : plan.momentum) {
      wiring_.check_momentum_inputs(node, written);
      for (const auto& out : node.outputs) written.push_back({out, node.key_path});
    }
    for (auto* nodes : {&plan.teachers, &plan.model}) {
      for (const auto& node : *nodes) {
        wiring_.check_inputs(node, written);
        for (const auto& out : node.outputs) written.push_back({out, node.key_path});
      }
    }
  }

  std::vector<NodePlan> graph_nodes(const ConfigNode& config, const std::string& section, Kind kind,
                                    std::set<std::string>& node_names) {
    const ConfigNode* map = map_section(config, section);
    return map ? nodes_.graph_nodes(*map, section, kind, node_names) : std::vector<NodePlan>{};
  }

  void plan_losses(const ConfigNode& config, ExperimentPlan& plan, const WrittenTensors& written) {
    if (const ConfigNode* losses = map_section(config, "losses")) {
      for (const auto& [name, node] : losses->entries()) {
        NodePlan loss = nodes_.component(Kind::Loss, "losses." + name, name, node);
        if (const ConfigNode* w = node.is_map() ? node.find("weight") : nullptr) loss.weight = nodes_.weight(*w, loss.key_path);
        wiring_.check_inputs(loss, written);
        plan.losses.push_back(std::move(loss));
      }
    }
    if (plan.losses.empty())
      error(config.where(), "losses", "no losses: nothing to train (add e.g. losses.clip.type: clip_contrastive)");
  }

  void plan_evaluators(const ConfigNode& config, ExperimentPlan& plan, const WrittenTensors& written) {
    const ConfigNode* eval = map_section(config, "eval");
    const ConfigNode* evaluators = eval ? eval->find("evaluators") : nullptr;
    if (!evaluators) return;
    if (!evaluators->is_map() && !evaluators->is_null()) {
      error(evaluators->where(), "eval.evaluators", "expected a map of name -> evaluator, got " + evaluators->describe());
      return;
    }
    for (const auto& [name, node] : evaluators->entries()) {
      if (node.is_null()) continue;  // `name: null` removes an evaluator of a base file
      NodePlan evaluator = nodes_.component(Kind::Evaluator, "eval.evaluators." + name, name, node);
      if (const NodePlan* set = evaluated_set(evaluator, node, plan)) {
        evaluator.eval_set = set->name;
        wiring_.check_evaluator_inputs(evaluator, *set, plan, written);
      }
      plan.evaluators.push_back(std::move(evaluator));
    }
  }

  void plan_loggers(const ConfigNode& config, ExperimentPlan& plan) {
    const ConfigNode* log = map_section(config, "log");
    const ConfigNode* loggers = log ? log->find("loggers") : nullptr;
    if (!loggers) return;
    if (!loggers->is_map() && !loggers->is_null()) {
      error(loggers->where(), "log.loggers", "expected a map of name -> logger, got " + loggers->describe());
      return;
    }
    for (const auto& [name, node] : loggers->entries())
      if (!node.is_null()) plan.loggers.push_back(nodes_.component(Kind::Logger, "log.loggers." + name, name, node));
  }

  static std::string scalar_or(const ConfigNode& config, const std::string& key, const std::string& fallback) {
    const ConfigNode* node = config.find(key);
    return node && node->is_scalar() ? node->value() : fallback;
  }

  uint64_t seed(const ConfigNode& config) {
    const ConfigNode* node = config.find("seed");
    if (!node) return 0;
    const std::optional<int64_t> seed = int_scalar(*node);
    if (seed && *seed >= 0) return static_cast<uint64_t>(*seed);
    error(node->where(), "seed", "expected a non-negative integer, got " + node->describe());
    return 0;
  }

  const ConfigNode* map_section(const ConfigNode& config, const std::string& key) {
    const ConfigNode* node = config.find(key);
    if (!node || node->is_null()) return nullptr;
    if (!node->is_map()) {
      error(node->where(), key, "expected a map, got " + node->describe());
      return nullptr;
    }
    return node;
  }

  Options section_options(const ConfigNode& config, const std::string& key, const std::vector<OptionSpec>& specs,
                          const std::set<std::string>& reserved = {}) {
    const ConfigNode* node = config.find(key);
    ConfigNode empty = ConfigNode::map(config.where());
    if (node && !node->is_null() && !node->is_map()) {
      error(node->where(), key, "expected a map, got " + node->describe());
      node = nullptr;
    }
    return check_options(specs, node && !node->is_null() ? *node : empty, key, reserved, errors_);
  }

  // The set an evaluator reads: its `data:` key, or the only one; data.train without data.eval.
  const NodePlan* evaluated_set(const NodePlan& evaluator, const ConfigNode& node, const ExperimentPlan& plan) {
    const ConfigNode* chosen = node.is_map() ? node.find("data") : nullptr;
    std::vector<std::string> names;
    for (const auto& set : plan.eval_sets) names.push_back(set.name);
    if (!chosen) {
      if (plan.eval_sets.size() > 1)
        error(node.where(), evaluator.key_path + ".data",
              "data.eval has several sets: name the one this evaluator reads (data: " + join_names(names) + ")");
      else if (plan.eval_sets.size() == 1)
        return &plan.eval_sets.front();
      return plan.eval_sets.empty() && plan.train_data ? &*plan.train_data : nullptr;
    }
    for (const auto& set : plan.eval_sets)
      if (chosen->is_scalar() && set.name == chosen->value()) return &set;
    error(chosen->where(), evaluator.key_path + ".data",
          (chosen->is_scalar() ? "`" + chosen->value() + "`" + " names no set of data.eval" + did_you_mean(chosen->value(), names)
                               : "expected the name of a set of data.eval, got " + chosen->describe()) +
              "; sets: " + (names.empty() ? std::string("none (data.eval is not given)") : join_names(names)));
    return nullptr;
  }

  std::vector<Diagnostic> errors_;
  Context files_;  // resolves file options against the experiment's folder
  NodeBuilder nodes_;
  WiringChecks wiring_;
};

}  // namespace

Context base_context(const ExperimentPlan& plan) {
  Context context;
  context.seed = plan.seed;
  context.config_dir = fs::absolute(plan.config_path).parent_path().string();
  context.experiment_name = plan.name;
  return context;
}

std::vector<std::string> plugin_paths_of(const ConfigNode& config, const std::string& config_path) {
  std::vector<std::string> paths;
  const ConfigNode* plugins = config.is_map() ? config.find("plugins") : nullptr;
  if (!plugins || plugins->is_null()) return paths;
  if (!plugins->is_list())
    throw ConfigError(plugins->where(), "plugins", "expected a list of plugin files or folders, got " + plugins->describe());
  const fs::path base = fs::absolute(config_path).parent_path();
  for (const auto& item : plugins->items()) {
    if (!item.is_scalar())
      throw ConfigError(item.where(), "plugins", "expected a plugin file or folder, got " + item.describe());
    fs::path p(item.value());
    std::string resolved = (p.is_absolute() ? p : base / p).lexically_normal().string();
    if (!fs::exists(resolved))
      throw ConfigError(item.where(), "plugins", "plugin path `" + item.value() + "` not found (resolved to " + resolved + ")");
    paths.push_back(resolved);
  }
  return paths;
}

bool is_optional_input(const NodePlan& node, const std::string& port) {
  if (!node.entry) return false;
  const auto& ports = node.entry->info.inputs;
  return std::any_of(ports.begin(), ports.end(), [&](const Port& p) { return p.name == port && p.optional; });
}

bool runs_with(const NodePlan& node, const std::function<bool(const std::string& tensor)>& present) {
  const auto& inputs = node.inputs;
  const bool any = inputs.empty() || std::any_of(inputs.begin(), inputs.end(), [&](const auto& in) { return present(in.second); });
  return any && std::all_of(inputs.begin(), inputs.end(),
                            [&](const auto& in) { return present(in.second) || is_optional_input(node, in.first); });
}

ExperimentPlan plan_experiment(const Registry& registry, const ConfigNode& config, const std::string& config_path,
                               const std::vector<std::string>& searched) {
  return Planner(registry, searched, config, config_path).plan(config, config_path);
}

}  // namespace mmkd

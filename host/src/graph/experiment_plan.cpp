#include "graph/experiment_plan.hpp"

#include "config/option_check.hpp"
#include "graph/host_sections.hpp"
#include "util/names.hpp"

#include <mmkd/config_path.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace mmkd {
namespace {

const std::vector<std::string> kTopLevelKeys = {"name",   "seed",      "plugins",  "vars",    "data",
                                                "teachers", "model",   "losses",   "optimizer", "schedule",
                                                "trainer", "eval",     "log",      "momentum"};

class Planner {
 public:
  Planner(const Registry& registry, const std::vector<std::string>& searched)
      : registry_(registry), searched_(searched) {}

  ExperimentPlan plan(const ConfigNode& config, const std::string& config_path) {
    files_.config_dir = fs::absolute(config_path).parent_path().string();
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
    plan.seed = parse_seed(config);
    plan.plugin_paths = plugin_paths_of(config, config_path);

    plan.optimizer = section_options(config, "optimizer", optimizer_options());
    plan.schedule = section_options(config, "schedule", schedule_options());
    plan.trainer = section_options(config, "trainer", trainer_options());
    plan.eval = section_options(config, "eval", eval_options(), {"evaluators"});
    plan.log = section_options(config, "log", log_options(), {"loggers"});

    const ConfigNode* data = map_section(config, "data");
    if (data) {
      for (const auto& [key, node] : data->entries())
        if (key != "train" && key != "eval")
          error(node.where(), "data." + key, "unknown dataset role" + did_you_mean(key, {"train", "eval"}) +
                                                 "; roles: train, eval");
      if (const ConfigNode* train = data->find("train")) {
        if (train->is_list()) {
          plan.train_parts = training_parts(*train);
          if (!plan.train_parts.empty()) plan.train_data = plan.train_parts.front();
        } else {
          plan.train_data = component(Kind::Dataset, "data.train", "train", *train);
        }
      }
      if (const ConfigNode* eval = data->find("eval")) plan.eval_sets = eval_sets(*eval);
    }
    if (!plan.train_data) error(config.where(), "data.train", "missing: the training dataset (data.train.type: ...)");

    std::vector<Written> train_names = dataset_names(plan.train_data);
    std::vector<Written> later = all_graph_outputs(config);

    std::set<std::string> node_names = {"batch"};
    plan.teachers = graph_nodes(config, "teachers", Kind::Teacher, node_names);
    plan.model = graph_nodes(config, "model", Kind::Encoder, node_names);
    if (config.find("momentum")) {
      plan.momentum_options = section_options(config, "momentum", momentum_options());
      plan.momentum = momentum_nodes(plan.model, plan.momentum_options, node_names);
    }
    for (const auto& node : plan.momentum) {
      check_momentum_inputs(node, train_names);
      for (const auto& out : node.outputs) train_names.push_back({out, node.key_path});
    }
    for (auto* nodes : {&plan.teachers, &plan.model}) {
      for (const auto& node : *nodes) {
        check_inputs(node, train_names, later);
        for (const auto& out : node.outputs) train_names.push_back({out, node.key_path});
      }
    }

    std::set<std::string> loss_names;
    if (const ConfigNode* losses = map_section(config, "losses")) {
      for (const auto& [name, node] : losses->entries()) {
        NodePlan loss = component(Kind::Loss, "losses." + name, name, node);
        if (const ConfigNode* w = node.is_map() ? node.find("weight") : nullptr) loss.weight = parse_weight(*w, loss.key_path);
        check_inputs(loss, train_names, later);
        plan.losses.push_back(std::move(loss));
      }
    }
    if (plan.losses.empty())
      error(config.where(), "losses", "no losses: nothing to train (add e.g. losses.clip.type: clip_contrastive)");

    if (const ConfigNode* eval = map_section(config, "eval")) {
      if (const ConfigNode* evaluators = eval->find("evaluators")) {
        if (!evaluators->is_map() && !evaluators->is_null())
          error(evaluators->where(), "eval.evaluators", "expected a map of name -> evaluator, got " + evaluators->describe());
        else
          for (const auto& [name, node] : evaluators->entries()) {
            if (node.is_null()) continue;  // `name: null` removes an evaluator of a base file
            NodePlan evaluator = component(Kind::Evaluator, "eval.evaluators." + name, name, node);
            if (const NodePlan* set = evaluated_set(evaluator, node, plan)) {
              evaluator.eval_set = set->name;
              check_evaluator_inputs(evaluator, *set, plan, train_names);
            }
            plan.evaluators.push_back(std::move(evaluator));
          }
      }
    }
    check_best_metric(plan);
    if (const ConfigNode* log = map_section(config, "log")) {
      if (const ConfigNode* loggers = log->find("loggers")) {
        if (!loggers->is_map() && !loggers->is_null())
          error(loggers->where(), "log.loggers", "expected a map of name -> logger, got " + loggers->describe());
        else
          for (const auto& [name, node] : loggers->entries())
            if (!node.is_null()) plan.loggers.push_back(component(Kind::Logger, "log.loggers." + name, name, node));
      }
    }
    if (!errors_.empty()) throw ConfigError(errors_);
    return plan;
  }

 private:
  struct Written {
    std::string tensor;
    std::string writer;  // key path of the node writing it
  };

  void error(const SourceLocation& where, const std::string& key, const std::string& message) {
    errors_.push_back({where, key, message});
  }

  static std::string scalar_or(const ConfigNode& config, const std::string& key, const std::string& fallback) {
    const ConfigNode* node = config.find(key);
    return node && node->is_scalar() ? node->value() : fallback;
  }

  uint64_t parse_seed(const ConfigNode& config) {
    const ConfigNode* node = config.find("seed");
    if (!node) return 0;
    try {
      if (!node->is_scalar() || node->quoted()) throw std::invalid_argument("");
      size_t used = 0;
      long long v = std::stoll(node->value(), &used);
      if (used != node->value().size() || v < 0) throw std::invalid_argument("");
      return static_cast<uint64_t>(v);
    } catch (const std::exception&) {
      error(node->where(), "seed", "expected a non-negative integer, got " + node->describe());
      return 0;
    }
  }

  // `data.train` as a list of datasets that write the same tensors, each with an optional weight.
  std::vector<NodePlan> training_parts(const ConfigNode& list) {
    std::vector<NodePlan> parts;
    for (size_t i = 0; i < list.items().size(); ++i) {
      const ConfigNode& item = list.items()[i];
      const std::string key_path = "data.train." + std::to_string(i);
      NodePlan part = component(Kind::Dataset, key_path, "train", item);
      if (const ConfigNode* w = item.is_map() ? item.find("weight") : nullptr) {
        part.weight = parse_weight(*w, key_path);
        if (part.weight <= 0) error(w->where(), key_path + ".weight", "must be > 0, got " + w->value());
      }
      if (!parts.empty() && part.entry && parts.front().entry && part.outputs != parts.front().outputs)
        error(item.where(), key_path,
              fmt::format("writes {}, but data.train.0 writes {}: concatenated datasets must write the same tensors",
                          join_names(part.outputs), join_names(parts.front().outputs)));
      parts.push_back(std::move(part));
    }
    if (parts.empty()) error(list.where(), "data.train", "an empty list: give at least one dataset");
    return parts;
  }

  // A teacher's `cached:` file, relative to the experiment file; it must exist.
  std::string cached_path(const ConfigNode& node, const std::string& key_path) {
    if (!node.is_scalar() || node.value().empty()) {
      error(node.where(), key_path, "expected the path of a teacher cache file (mmkd cache-teacher), got " + node.describe());
      return "";
    }
    const fs::path path = config_path(node.value(), files_);
    if (!fs::is_regular_file(path))
      error(node.where(), key_path, "teacher cache `" + path.string() + "` not found; write it with `mmkd cache-teacher`");
    return path.string();
  }

  bool parse_bool(const ConfigNode& node, const std::string& key_path) {
    if (node.is_scalar() && !node.quoted() && (node.value() == "true" || node.value() == "false")) return node.value() == "true";
    error(node.where(), key_path, "expected true or false, got " + node.describe());
    return false;
  }

  double parse_weight(const ConfigNode& node, const std::string& key_path) {
    try {
      if (!node.is_scalar() || node.quoted()) throw std::invalid_argument("");
      size_t used = 0;
      double v = std::stod(node.value(), &used);
      if (used != node.value().size()) throw std::invalid_argument("");
      return v;
    } catch (const std::exception&) {
      error(node.where(), key_path + ".weight", "expected a number, got " + node.describe());
      return 1.0;
    }
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

  NodePlan component(Kind kind, const std::string& key_path, const std::string& name, const ConfigNode& node,
                     const NodePlan* shared = nullptr) {
    NodePlan plan;
    plan.kind = kind;
    plan.name = name;
    plan.key_path = key_path;
    plan.where = node.where();
    if (!node.is_map()) {
      error(node.where(), key_path, std::string("expected a map with `type:` and the ") + kind_name(kind) +
                                        "'s options, got " + node.describe());
      return plan;
    }
    std::string type;
    if (shared) {
      type = shared->entry ? shared->entry->info.type : "";
    } else {
      const ConfigNode* type_node = node.find("type");
      if (!type_node || !type_node->is_scalar()) {
        error(node.where(), key_path + ".type",
              std::string("missing `type:` (one of the ") + kind_name(kind) + " types: " +
                  join_names(registry_.types(kind)) + ")");
        return plan;
      }
      type = type_node->value();
      plan.entry = registry_.find(kind, type);
      if (!plan.entry) {
        auto types = registry_.types(kind);
        error(type_node->where(), key_path + ".type",
              fmt::format("unknown {} type `{}`{}; {} types found: {}; plugin folders searched: {}", kind_name(kind), type,
                          did_you_mean(type, types), kind_name(kind), types.empty() ? "none" : join_names(types),
                          searched_.empty() ? "none" : join_names(searched_)));
        return plan;
      }
    }
    if (shared) {
      plan.entry = shared->entry;
      plan.options = shared->options;
      plan.share = shared->name;
      for (const auto& [key, value] : node.entries())
        if (key != "share" && key != "inputs")
          error(value.where(), key_path + "." + key,
                "a node that shares `" + shared->name + "` takes only `inputs:`; options belong to `" + shared->key_path + "`");
    } else {
      std::set<std::string> reserved = {"type", "inputs"};
      if (kind == Kind::Loss || kind == Kind::Dataset) reserved.insert("weight");
      if (kind == Kind::Evaluator) reserved.insert("data");
      if (kind == Kind::Encoder) {
        reserved.insert("frozen");
        if (const ConfigNode* frozen = node.find("frozen")) plan.frozen = parse_bool(*frozen, key_path + ".frozen");
      }
      if (kind == Kind::Teacher) {
        reserved.insert("cached");
        if (const ConfigNode* cached = node.find("cached")) plan.cached = cached_path(*cached, key_path + ".cached");
      }
      plan.options = check_options(plan.entry->info.options, node, key_path, reserved, errors_);
    }
    plan.inputs = connect_inputs(plan, node);
    const std::string prefix = kind == Kind::Dataset ? "batch." : name + ".";
    for (const auto& port : outputs_of(plan)) plan.outputs.push_back(kind == Kind::Loss || kind == Kind::Evaluator || kind == Kind::Logger ? port.name : prefix + port.name);
    return plan;
  }

  std::vector<Port> outputs_of(const NodePlan& plan) {
    try {
      return plan.entry->info.outputs_for(plan.options);
    } catch (const ConfigError& e) {
      errors_.insert(errors_.end(), e.diagnostics().begin(), e.diagnostics().end());
    } catch (const std::exception& e) {
      error(plan.where, plan.key_path, e.what());
    }
    return {};
  }

  std::vector<std::pair<std::string, std::string>> connect_inputs(const NodePlan& plan, const ConfigNode& node) {
    std::vector<std::pair<std::string, std::string>> connected;
    const auto& ports = plan.entry->info.inputs;
    const ConfigNode* inputs = node.find("inputs");
    std::vector<std::string> port_names;
    for (const auto& p : ports) port_names.push_back(p.name);
    if (inputs && !inputs->is_map() && !inputs->is_null()) {
      error(inputs->where(), plan.key_path + ".inputs", "expected a map of input port -> tensor name, got " + inputs->describe());
      inputs = nullptr;
    }
    if (inputs) {
      for (const auto& [port, value] : inputs->entries()) {
        if (std::find(port_names.begin(), port_names.end(), port) == port_names.end()) {
          error(value.where(), plan.key_path + ".inputs." + port,
                "unknown input port `" + port + "`" + did_you_mean(port, port_names) + "; ports of " +
                    plan.entry->info.type + ": " + (port_names.empty() ? "none" : join_names(port_names)));
        } else if (!value.is_scalar()) {
          error(value.where(), plan.key_path + ".inputs." + port, "expected a tensor name, got " + value.describe());
        }
      }
    }
    for (const auto& port : ports) {
      const ConfigNode* source = inputs ? inputs->find(port.name) : nullptr;
      if (source && source->is_scalar()) {
        connected.emplace_back(port.name, source->value());
      } else if (!source && !port.default_source.empty()) {
        connected.emplace_back(port.name, port.default_source);
      } else if (!source && !port.optional) {
        error(inputs ? inputs->where() : node.where(), plan.key_path + ".inputs." + port.name,
              "input port `" + port.name + "` (" + port.doc + ") is not connected; give it a tensor name");
      }
    }
    return connected;
  }

  static std::vector<Written> dataset_names(const std::optional<NodePlan>& data) {
    std::vector<Written> names;
    if (data)
      for (const auto& out : data->outputs) names.push_back({out, data->key_path});
    return names;
  }

  // Every name any node of the graph sections could write, for "written later" hints.
  std::vector<Written> all_graph_outputs(const ConfigNode& config) {
    std::vector<Written> names;
    for (const char* section : {"teachers", "model"}) {
      const ConfigNode* nodes = config.find(section);
      if (!nodes || !nodes->is_map()) continue;
      for (const auto& [name, node] : nodes->entries()) {
        const ConfigNode* type = node.is_map() ? node.find("type") : nullptr;
        if (!type || !type->is_scalar()) continue;
        const auto* entry = registry_.find(std::string(section) == "teachers" ? Kind::Teacher : Kind::Encoder, type->value());
        if (!entry) continue;
        for (const auto& port : declared_outputs(entry->info))
          names.push_back({name + "." + port.name, std::string(section) + "." + name});
      }
    }
    return names;
  }

  std::vector<NodePlan> graph_nodes(const ConfigNode& config, const std::string& section, Kind kind,
                                    std::set<std::string>& node_names) {
    std::vector<NodePlan> nodes;
    const ConfigNode* map = map_section(config, section);
    if (!map) return nodes;
    for (const auto& [name, node] : map->entries()) {
      const std::string key_path = section + "." + name;
      if (!node_names.insert(name).second) {
        error(node.where(), key_path, "node name `" + name + "` is already used (node names are shared by teachers and model, and `batch` is the dataset's)");
        continue;
      }
      const ConfigNode* share = node.is_map() ? node.find("share") : nullptr;
      if (share && kind == Kind::Encoder) {
        auto it = std::find_if(nodes.begin(), nodes.end(), [&](const NodePlan& n) { return n.name == share->value(); });
        if (it == nodes.end() || !it->entry) {
          std::vector<std::string> earlier;
          for (const auto& n : nodes) earlier.push_back(n.name);
          error(share->where(), key_path + ".share",
                "`share: " + share->value() + "` names no earlier model node" + did_you_mean(share->value(), earlier) +
                    "; earlier nodes: " + (earlier.empty() ? "none" : join_names(earlier)));
          continue;
        }
        NodePlan shared = *it;
        if (!shared.share.empty()) shared.name = shared.share;
        nodes.push_back(component(kind, key_path, name, node, &shared));
      } else {
        nodes.push_back(component(kind, key_path, name, node));
      }
    }
    return nodes;
  }

  // An EMA copy `N_momentum` of each chosen model node, reading the copies' outputs where the
  // original reads a copied node's.
  std::vector<NodePlan> momentum_nodes(const std::vector<NodePlan>& model, const Options& options,
                                       std::set<std::string>& node_names) {
    std::vector<std::string> model_names;
    for (const auto& node : model) model_names.push_back(node.name);
    std::vector<std::string> chosen = options.get<std::vector<std::string>>("nodes");
    if (chosen.empty()) chosen = model_names;
    for (const auto& name : chosen)
      if (std::find(model_names.begin(), model_names.end(), name) == model_names.end())
        error(options.where("nodes"), "momentum.nodes",
              "`" + name + "` is no model node" + did_you_mean(name, model_names) + "; model nodes: " +
                  (model_names.empty() ? "none" : join_names(model_names)));
    auto is_chosen = [&](const std::string& name) { return std::find(chosen.begin(), chosen.end(), name) != chosen.end(); };
    std::vector<NodePlan> copies;
    for (const auto& node : model) {
      if (!is_chosen(node.name) || !node.entry) continue;
      if (!node.share.empty() && !is_chosen(node.share)) {
        error(options.where("nodes"), "momentum.nodes",
              "`" + node.name + "` shares the module of `" + node.share + "`: list `" + node.share + "` as well");
        continue;
      }
      NodePlan copy = node;
      copy.name = node.name + "_momentum";
      copy.key_path = "momentum." + node.name;
      copy.momentum_of = node.name;
      if (!node.share.empty()) copy.share = node.share + "_momentum";
      if (!node_names.insert(copy.name).second)
        error(node.where, "momentum.nodes", "the momentum copy of `" + node.name + "` would be named `" + copy.name +
                                                "`, which is already a node name");
      for (auto& [port, tensor] : copy.inputs) {
        const std::string source = tensor.substr(0, tensor.find('.'));
        if (is_chosen(source)) tensor = source + "_momentum" + tensor.substr(source.size());
      }
      for (auto& out : copy.outputs) out = copy.name + out.substr(node.name.size());
      copies.push_back(std::move(copy));
    }
    return copies;
  }

  // Momentum copies run first in a step: they read the batch and earlier copies only.
  void check_momentum_inputs(const NodePlan& node, const std::vector<Written>& available) {
    for (const auto& [port, tensor] : node.inputs)
      if (!contains(available, tensor))
        error(node.where, "momentum.nodes",
              "the momentum copy of `" + node.momentum_of + "` reads `" + tensor + "` (input `" + port +
                  "`), but momentum copies run first in a step and see only `batch.*` and earlier copies: add `" +
                  tensor.substr(0, tensor.find('.')) + "` to momentum.nodes or read the batch");
  }

  static bool contains(const std::vector<Written>& names, const std::string& tensor) {
    return std::any_of(names.begin(), names.end(), [&](const Written& w) { return w.tensor == tensor; });
  }

  // `data.eval`: a dataset (one set named "eval") or a map of named datasets.
  std::vector<NodePlan> eval_sets(const ConfigNode& eval) {
    if (eval.is_map() && !eval.find("type") && !eval.entries().empty()) {
      std::vector<NodePlan> sets;
      for (const auto& [name, node] : eval.entries()) sets.push_back(component(Kind::Dataset, "data.eval." + name, name, node));
      return sets;
    }
    return {component(Kind::Dataset, "data.eval", "eval", eval)};
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

  // Validation runs every node whose inputs the set provides (directly or through earlier
  // nodes) and skips the others: the evaluator's inputs must be among what runs. An input no
  // training node writes either is reported at its node already.
  void check_evaluator_inputs(const NodePlan& evaluator, const NodePlan& set, const ExperimentPlan& plan,
                              const std::vector<Written>& trained) {
    std::vector<Written> available = dataset_names(set);
    std::map<std::string, std::string> skipped;  // tensor -> why its node does not run
    for (const auto* nodes : {&plan.momentum, &plan.teachers, &plan.model})
      for (const auto& node : *nodes) {
        auto present = [&](const std::string& tensor) {
          return contains(available, tensor) || !contains(trained, tensor);
        };
        const bool runs = runs_with(node, present);
        auto missing = std::find_if(node.inputs.begin(), node.inputs.end(), [&](const auto& input) {
          return !present(input.second) && !is_optional_input(node, input.first);
        });
        if (missing == node.inputs.end())
          missing = std::find_if(node.inputs.begin(), node.inputs.end(), [&](const auto& in) { return !present(in.second); });
        for (const auto& out : node.outputs) {
          if (runs)
            available.push_back({out, node.key_path});
          else
            skipped[out] = node.key_path + " does not run there: it reads `" + missing->second + "`, which " +
                           set.key_path + " does not provide";
        }
      }
    for (const auto& [port, tensor] : evaluator.inputs) {
      if (contains(available, tensor)) continue;
      auto why = skipped.find(tensor);
      error(evaluator.where, evaluator.key_path + ".inputs." + port,
            "tensor `" + tensor + "` is not computed in validation on " + set.key_path + ": " +
                (why != skipped.end() ? why->second : "no node writes it" + did_you_mean(tensor, tensor_names(available))));
    }
  }

  // eval.best_metric names a metric "eval.<evaluator>.<metric>" of the experiment.
  void check_best_metric(const ExperimentPlan& plan) {
    const std::string best = plan.eval.get<std::string>("best_metric");
    if (best.empty()) return;
    std::vector<std::string> metrics;
    for (const auto& node : plan.evaluators)
      for (const auto& metric : node.outputs) metrics.push_back("eval." + node.name + "." + metric);
    if (std::find(metrics.begin(), metrics.end(), best) == metrics.end())
      error(plan.eval.where("best_metric"), "eval.best_metric",
            "`" + best + "` is no metric of this experiment's evaluators" + did_you_mean(best, metrics) +
                "; metrics: " + (metrics.empty() ? std::string("none (add eval.evaluators)") : join_names(metrics)));
  }

  static std::vector<std::string> tensor_names(const std::vector<Written>& written) {
    std::vector<std::string> names;
    for (const auto& w : written) names.push_back(w.tensor);
    return names;
  }

  void check_inputs(const NodePlan& node, const std::vector<Written>& available, const std::vector<Written>& later) {
    const std::vector<std::string> names = tensor_names(available);
    for (const auto& [port, tensor] : node.inputs) {
      if (contains(available, tensor)) continue;
      std::string message = "tensor `" + tensor + "` is not written before this node";
      const std::string& wanted = tensor;
      auto writer = std::find_if(later.begin(), later.end(), [&](const Written& w) { return w.tensor == wanted; });
      if (writer != later.end() && writer->writer != node.key_path) {
        message += "; it is written by `" + writer->writer + "`, which runs later: move that node before `" + node.key_path + "`";
      } else {
        message += did_you_mean(tensor, names);
        message += "; written so far: " + (names.empty() ? std::string("none") : join_names(names));
        std::string producers = could_write(tensor);
        if (!producers.empty()) message += "; components that output `" + last_segment(tensor) + "`: " + producers;
      }
      error(node.where, node.key_path + ".inputs." + port, message);
    }
  }

  // The outputs a component declares; those of its default options when they depend on options.
  static std::vector<Port> declared_outputs(const ComponentInfo& info) {
    if (!info.dynamic_outputs) return info.outputs;
    std::map<std::string, Options::Entry> defaults;
    for (const auto& option : info.options)
      if (option.default_value) defaults[option.name] = {*option.default_value, {}, false};
    try {
      return info.outputs_for(Options(info.type, {}, defaults));
    } catch (const std::exception&) {
      return {};
    }
  }

  static std::string last_segment(const std::string& tensor) {
    auto dot = tensor.rfind('.');
    return dot == std::string::npos ? tensor : tensor.substr(dot + 1);
  }

  std::string could_write(const std::string& tensor) {
    std::vector<std::string> producers;
    const std::string output = last_segment(tensor);
    for (Kind kind : {Kind::Dataset, Kind::Teacher, Kind::Encoder})
      for (const auto* entry : registry_.entries(kind))
        for (const auto& port : declared_outputs(entry->info))
          if (port.name == output) producers.push_back(std::string(kind_name(kind)) + "/" + entry->info.type);
    return join_names(producers);
  }

  const Registry& registry_;
  const std::vector<std::string>& searched_;
  Context files_;  // resolves file options against the experiment's folder
  std::vector<Diagnostic> errors_;
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
  return Planner(registry, searched).plan(config, config_path);
}

}  // namespace mmkd

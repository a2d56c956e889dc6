#include "graph/node_builder.hpp"

#include "config/option_check.hpp"
#include "config/scalar_parse.hpp"
#include "util/names.hpp"

#include <mmkd/config_path.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {

NodePlan NodeBuilder::component(Kind kind, const std::string& key_path, const std::string& name,
                                const ConfigNode& node, const NodePlan* shared) {
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
      if (const ConfigNode* frozen = node.find("frozen")) plan.frozen = flag(*frozen, key_path + ".frozen");
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

std::vector<NodePlan> NodeBuilder::graph_nodes(const ConfigNode& section, const std::string& key, Kind kind,
                                               std::set<std::string>& node_names) {
  std::vector<NodePlan> nodes;
  for (const auto& [name, node] : section.entries()) {
    const std::string key_path = key + "." + name;
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

std::vector<NodePlan> NodeBuilder::training_parts(const ConfigNode& list) {
  std::vector<NodePlan> parts;
  for (size_t i = 0; i < list.items().size(); ++i) {
    const ConfigNode& item = list.items()[i];
    const std::string key_path = "data.train." + std::to_string(i);
    NodePlan part = component(Kind::Dataset, key_path, "train", item);
    if (const ConfigNode* w = item.is_map() ? item.find("weight") : nullptr) {
      part.weight = weight(*w, key_path);
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

std::vector<NodePlan> NodeBuilder::eval_sets(const ConfigNode& eval) {
  if (eval.is_map() && !eval.find("type") && !eval.entries().empty()) {
    std::vector<NodePlan> sets;
    for (const auto& [name, node] : eval.entries()) sets.push_back(component(Kind::Dataset, "data.eval." + name, name, node));
    return sets;
  }
  return {component(Kind::Dataset, "data.eval", "eval", eval)};
}

double NodeBuilder::weight(const ConfigNode& node, const std::string& key_path) {
  if (auto value = float_scalar(node)) return *value;
  error(node.where(), key_path + ".weight", "expected a number, got " + node.describe());
  return 1.0;
}

std::vector<Port> NodeBuilder::outputs_of(const NodePlan& plan) {
  try {
    return plan.entry->info.outputs_for(plan.options);
  } catch (const ConfigError& e) {
    errors_.insert(errors_.end(), e.diagnostics().begin(), e.diagnostics().end());
  } catch (const std::exception& e) {
    error(plan.where, plan.key_path, e.what());
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> NodeBuilder::connect_inputs(const NodePlan& plan,
                                                                         const ConfigNode& node) {
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

// A teacher's `cached:` file, relative to the experiment file; it must exist.
std::string NodeBuilder::cached_path(const ConfigNode& node, const std::string& key_path) {
  if (!node.is_scalar() || node.value().empty()) {
    error(node.where(), key_path, "expected the path of a teacher cache file (mmkd cache-teacher), got " + node.describe());
    return "";
  }
  const fs::path path = config_path(node.value(), files_);
  if (!fs::is_regular_file(path))
    error(node.where(), key_path, "teacher cache `" + path.string() + "` not found; write it with `mmkd cache-teacher`");
  return path.string();
}

bool NodeBuilder::flag(const ConfigNode& node, const std::string& key_path) {
  if (auto value = bool_scalar(node)) return *value;
  error(node.where(), key_path, "expected true or false, got " + node.describe());
  return false;
}

}  // namespace mmkd

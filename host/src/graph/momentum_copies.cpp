#include "graph/momentum_copies.hpp"

#include "util/names.hpp"

#include <algorithm>

namespace mmkd {

std::vector<NodePlan> momentum_copies(const std::vector<NodePlan>& model, const Options& options,
                                      std::set<std::string>& node_names, std::vector<Diagnostic>& errors) {
  auto error = [&](const SourceLocation& where, const std::string& key, const std::string& message) {
    errors.push_back({where, key, message});
  };
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

}  // namespace mmkd

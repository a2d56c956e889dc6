#include "graph/planned_config.hpp"

#include "config/experiment_file.hpp"

#include <fmt/format.h>

#include <type_traits>

namespace mmkd {
namespace {

std::string scalar_text(const OptionValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double>) return fmt::format("{}", v);
        else if constexpr (std::is_same_v<T, std::string>) return v;
        else return "";
      },
      value);
}

ConfigNode option_node(const OptionValue& value) {
  return std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<double>> ||
                      std::is_same_v<T, std::vector<std::string>>) {
          ConfigNode list = ConfigNode::list();
          for (const auto& item : v) list.push_back(ConfigNode::scalar(scalar_text(OptionValue(item))));
          return list;
        } else {
          return ConfigNode::scalar(scalar_text(value));
        }
      },
      value);
}

void write_defaults(ConfigNode& config, const Options& options) {
  if (options.key_path().empty()) return;
  for (const auto& [name, entry] : options.entries())
    if (!entry.from_config) set_key_path(config, options.key_path() + "." + name, option_node(entry.value), "defaults");
}

}  // namespace

ConfigNode config_with_defaults(const ExperimentPlan& plan) {
  ConfigNode config = plan.config;
  for (const auto* nodes : {&plan.train_parts, &plan.eval_sets, &plan.teachers, &plan.model, &plan.losses,
                            &plan.evaluators, &plan.loggers})
    for (const auto& node : *nodes)
      if (node.share.empty()) write_defaults(config, node.options);
  if (plan.train_parts.empty() && plan.train_data) write_defaults(config, plan.train_data->options);
  for (const Options* section : {&plan.optimizer, &plan.schedule, &plan.trainer, &plan.eval, &plan.log})
    write_defaults(config, *section);
  return config;
}

}  // namespace mmkd

#include "optim/optimizer.hpp"

#include "optim/foreach_adamw.hpp"

#include <ATen/ops/_foreach_zero.h>

#include <cmath>
#include <map>
#include <regex>

namespace mmkd {
namespace {

const std::regex kBlockIndex(R"((^|\.)blocks\.(\d+)\.)");

}  // namespace

bool skips_weight_decay(const std::string& name, const torch::Tensor& parameter) {
  return parameter.dim() <= 1 || name.find("embed") != std::string::npos || name.find("token") != std::string::npos ||
         name.find("relative_position") != std::string::npos;
}

int64_t layer_of(const std::string& name, int64_t depth) {
  std::smatch match;
  if (std::regex_search(name, match, kBlockIndex)) return std::stoll(match[2]) + 1;
  if (name.find("embed") != std::string::npos || name.find("token") != std::string::npos) return 0;
  return depth + 1;
}

AdamWGroups make_adamw(const std::vector<std::pair<std::string, torch::Tensor>>& parameters, const Options& options) {
  const auto betas = options.get<std::vector<double>>("betas");
  if (betas.size() != 2) options.fail("betas", "expected two values [beta1, beta2]");
  const double layer_decay = options.get<double>("layer_decay");
  auto defaults = torch::optim::AdamWOptions(options.get<double>("lr"))
                      .betas({betas[0], betas[1]})
                      .eps(options.get<double>("eps"))
                      .weight_decay(options.get<double>("weight_decay"));
  int64_t depth = 0;
  std::smatch match;
  for (const auto& [name, _] : parameters)
    if (std::regex_search(name, match, kBlockIndex)) depth = std::max<int64_t>(depth, std::stoll(match[2]) + 1);

  std::map<std::pair<int64_t, bool>, std::vector<torch::Tensor>> grouped;  // (layer, no decay) -> parameters
  for (const auto& [name, p] : parameters)
    grouped[{layer_decay < 1.0 ? layer_of(name, depth) : depth + 1, skips_weight_decay(name, p)}].push_back(p);
  AdamWGroups result;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (auto& [key, tensors] : grouped) {
    auto group_options = std::make_unique<torch::optim::AdamWOptions>(defaults);
    if (key.second) group_options->weight_decay(0.0);
    groups.emplace_back(std::move(tensors), std::move(group_options));
    result.lr_scale.push_back(std::pow(layer_decay, static_cast<double>(depth + 1 - key.first)));  // Eq. 42
  }
  result.optimizer = std::make_unique<ForeachAdamW>(groups, defaults);
  return result;
}

void zero_gradients(AdamWGroups& groups) {
  std::vector<torch::Tensor> grads;
  for (const auto& group : groups.optimizer->param_groups())
    for (const auto& p : group.params())
      if (p.grad().defined()) grads.push_back(p.grad());
  if (!grads.empty()) at::_foreach_zero_(grads);
}

double peak_learning_rate(const Options& options, int64_t global_batch) {
  const double lr = options.get<double>("lr");
  const int64_t reference = options.get<int64_t>("lr_reference_batch");
  return reference > 0 ? lr * static_cast<double>(global_batch) / static_cast<double>(reference) : lr;
}

void set_learning_rate(AdamWGroups& groups, double lr) {
  auto& param_groups = groups.optimizer->param_groups();
  for (size_t i = 0; i < param_groups.size(); ++i) param_groups[i].options().set_lr(lr * groups.lr_scale[i]);
}

}  // namespace mmkd

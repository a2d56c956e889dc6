#include "train/optimizer.hpp"

namespace mmkd {

bool skips_weight_decay(const std::string& name, const torch::Tensor& parameter) {
  return parameter.dim() <= 1 || name.find("embed") != std::string::npos || name.find("token") != std::string::npos ||
         name.find("relative_position") != std::string::npos;
}

std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<std::pair<std::string, torch::Tensor>>& parameters,
                                                const Options& options) {
  const auto betas = options.get<std::vector<double>>("betas");
  if (betas.size() != 2) options.fail("betas", "expected two values [beta1, beta2]");
  auto defaults = torch::optim::AdamWOptions(options.get<double>("lr"))
                      .betas({betas[0], betas[1]})
                      .eps(options.get<double>("eps"))
                      .weight_decay(options.get<double>("weight_decay"));
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& [name, p] : parameters) (skips_weight_decay(name, p) ? no_decay : decay).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(defaults));
  auto no_decay_options = std::make_unique<torch::optim::AdamWOptions>(defaults);
  no_decay_options->weight_decay(0.0);
  groups.emplace_back(no_decay, std::move(no_decay_options));
  return std::make_unique<torch::optim::AdamW>(groups, defaults);
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace mmkd

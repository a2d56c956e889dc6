#pragma once
// AdamW over two parameter groups: with weight decay, and without it for biases, norms and
// embeddings (1-d tensors, or names containing "embed" or "token").
#include <mmkd/options.hpp>

#include <torch/optim/adamw.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mmkd {

bool skips_weight_decay(const std::string& name, const torch::Tensor& parameter);

std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<std::pair<std::string, torch::Tensor>>& parameters,
                                                const Options& optimizer_options);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace mmkd

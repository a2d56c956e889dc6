#pragma once
// AdamW over parameter groups: with weight decay, and without it for biases, norms and
// embeddings (1-d tensors, or names containing "embed" or "token"); with layer-wise
// learning-rate decay (thesis Eq. 42), one pair of groups per layer.
#include <mmkd/options.hpp>

#include <torch/optim/adamw.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mmkd {

bool skips_weight_decay(const std::string& name, const torch::Tensor& parameter);

// The layer l of Eq. 42 of a parameter "model.<node>.<name>": i + 1 inside `blocks.<i>.`, 0 for
// embeddings and tokens outside blocks, `depth` + 1 for the rest (final norms, heads, losses).
int64_t layer_of(const std::string& name, int64_t depth);

struct AdamWGroups {
  std::unique_ptr<torch::optim::AdamW> optimizer;  // a ForeachAdamW
  std::vector<double> lr_scale;  // per parameter group: layer_decay^(depth + 1 - l), Eq. 42
};

AdamWGroups make_adamw(const std::vector<std::pair<std::string, torch::Tensor>>& parameters,
                       const Options& optimizer_options);

// The peak learning rate: `lr`, scaled by global_batch / lr_reference_batch when that is set
// (the linear scaling rule the thesis' code applied).
double peak_learning_rate(const Options& optimizer_options, int64_t global_batch);

// Every group's learning rate: lr times its scale.
void set_learning_rate(AdamWGroups& groups, double lr);

// Zeroes every gradient in place with one multi-tensor op: libtorch 1.x's zero_grad() on every
// version (2.x's default drops the gradients, and AdamW then skips parameters left without one).
void zero_gradients(AdamWGroups& groups);

}  // namespace mmkd

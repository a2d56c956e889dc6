#include "train/feature_cache.hpp"

#include "state/checkpoint.hpp"

#include <mmkd/error.hpp>

#include <torch/autograd.h>

namespace mmkd {

TensorMap concat_micro_batches(const std::vector<TensorMap>& parts) {
  TensorMap joined;
  for (const auto& [key, first] : parts.front()) {
    if (first.dim() == 0) {
      joined[key] = first;
      continue;
    }
    std::vector<torch::Tensor> pieces;
    for (const TensorMap& part : parts) {
      const auto found = part.find(key);
      if (found == part.end()) throw Error("micro-batch tensor `" + key + "` is missing from a later micro-batch");
      pieces.push_back(found->second);
    }
    joined[key] = torch::cat(pieces, 0);
  }
  return joined;
}

void FeatureCache::add(TensorMap inputs, TensorMap rng, TensorMap outputs, const std::set<std::string>& model_keys) {
  inputs_.push_back(std::move(inputs));
  rng_.push_back(std::move(rng));
  outputs_.push_back(std::move(outputs));
  model_keys_ = model_keys;
}

TensorMap FeatureCache::full_batch() {
  TensorMap full = concat_micro_batches(outputs_);
  leaves_.clear();
  for (const std::string& key : model_keys_) {
    torch::Tensor& value = full.at(key);
    if (value.dim() == 0 || !value.is_floating_point()) continue;
    value = value.detach().requires_grad_(true);
    leaves_[key] = value;
  }
  return full;
}

void FeatureCache::replay(const std::function<void(TensorMap&)>& run_model,
                          const std::function<void()>& before_last_backward) {
  const TensorMap rng_after = rng_state();
  std::map<std::string, int64_t> offsets;
  for (size_t micro = 0; micro < inputs_.size(); ++micro) {
    set_rng_state(rng_[micro]);
    TensorMap tensors = inputs_[micro];
    run_model(tensors);
    std::vector<torch::Tensor> outputs, gradients;
    for (const auto& [key, leaf] : leaves_) {
      const int64_t rows = tensors.at(key).size(0);
      const int64_t offset = offsets[key];
      offsets[key] += rows;
      if (!leaf.grad().defined() || !tensors.at(key).requires_grad()) continue;
      outputs.push_back(tensors.at(key));
      gradients.push_back(leaf.grad().narrow(0, offset, rows));
    }
    if (micro + 1 == inputs_.size()) before_last_backward();
    if (!outputs.empty()) torch::autograd::backward(outputs, gradients);
  }
  set_rng_state(rng_after);
}

}  // namespace mmkd

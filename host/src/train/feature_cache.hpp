#pragma once
// Contrastive accumulation over micro-batches as OpenCLIP's --accum-freq (GradCache, Gao et al.
// 2021): each micro-batch's model outputs are computed without autograd and cached, the losses
// see the whole accumulated batch at once (every negative), and each micro-batch is then run
// again with autograd, its outputs receiving their slice of the cached gradients. The parameter
// gradients equal those of one step on the whole batch.
#include <mmkd/tensor_map.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace mmkd {

// Tensors of the micro-batches joined along dim 0; a 0-dim tensor is the first micro-batch's.
TensorMap concat_micro_batches(const std::vector<TensorMap>& parts);

class FeatureCache {
 public:
  // `inputs`: the micro-batch before the model ran (batch, teachers); `rng`: the generators'
  // state then; `outputs`: everything after the model ran without autograd; `model_keys`: the
  // model's outputs among them.
  void add(TensorMap inputs, TensorMap rng, TensorMap outputs, const std::set<std::string>& model_keys);

  // The whole batch for the losses, the model's floating outputs as leaves that require grad.
  TensorMap full_batch();

  // Runs every micro-batch again through `run_model` (same generator state) and back-propagates
  // its slice of the leaves' gradients; `before_last_backward` runs before the last one.
  void replay(const std::function<void(TensorMap&)>& run_model, const std::function<void()>& before_last_backward);

 private:
  std::vector<TensorMap> inputs_, rng_, outputs_;
  std::set<std::string> model_keys_;
  TensorMap leaves_;
};

}  // namespace mmkd

#pragma once
// A FIFO memory bank of feature rows (MoCo-style queue, thesis Eq. 84). Its rows and write
// position are buffers, so a checkpoint of the owning loss saves and restores them.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace mmkd {

class FeatureQueueImpl : public torch::nn::Module {
 public:
  FeatureQueueImpl(int64_t capacity, int64_t dim);

  // Appends rows [N, dim] (detached), overwriting the oldest once full.
  void push(const torch::Tensor& rows);
  // The rows held so far [min(pushed, capacity), dim], oldest first.
  torch::Tensor contents() const;
  // `current` [N, dim] followed by the rows held, in storage order, as `current`'s dtype: the
  // keys of a contrastive loss with a memory bank (Eq. 84), one copy.
  torch::Tensor keys_after(const torch::Tensor& current) const;

  int64_t size() const;
  int64_t capacity() const { return capacity_; }
  int64_t dim() const { return dim_; }

 private:
  // `pushed_` read on the host only when something else (a checkpoint load) wrote it, so a
  // step on the GPU does not wait for the device.
  int64_t pushed() const;

  int64_t capacity_, dim_;
  torch::Tensor rows_;    // [capacity, dim]
  torch::Tensor pushed_;  // long scalar: rows pushed since creation
  mutable int64_t pushed_cache_ = 0;
  mutable uint32_t pushed_version_ = 0;
};
TORCH_MODULE(FeatureQueue);

}  // namespace mmkd

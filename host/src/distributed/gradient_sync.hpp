#pragma once
// Data-parallel gradient averaging: parameters grouped into buckets of about 25 MB in reverse
// order (the order the backward pass produces them); a bucket is summed across ranks as soon
// as all its gradients exist, from autograd hooks, while the backward pass goes on.
#include "distributed/process_group.hpp"

#include <torch/types.h>

#include <functional>
#include <mutex>
#include <vector>

namespace mmkd {

class GradientAverager {
 public:
  GradientAverager(std::vector<torch::Tensor> parameters, ProcessGroupCollectives& group,
                   int64_t bucket_bytes = int64_t{25} << 20);

  // Call before the backward pass of an optimizer step's last micro-batch.
  void arm();
  // Call after it: starts the buckets whose gradients never came (unused parameters count
  // as zero), waits for all, and sets every .grad to the mean over ranks.
  void finish();

  size_t buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> parameters;  // indices into parameters_
    std::vector<int64_t> offsets;    // of each parameter in `flat`
    torch::Tensor flat;
    size_t ready = 0;
    std::function<void()> wait;
  };
  void on_gradient(size_t index, const torch::Tensor& grad);
  torch::Tensor slice(size_t index);

  std::vector<torch::Tensor> parameters_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_, position_in_bucket_;
  std::vector<bool> seen_;
  ProcessGroupCollectives& group_;
  std::mutex mutex_;
  bool armed_ = false;
};

// Rank 0's values of every tensor, in place on every rank (parameters and buffers at start).
void broadcast_from_rank0(const std::vector<torch::Tensor>& tensors, ProcessGroupCollectives& group);

}  // namespace mmkd

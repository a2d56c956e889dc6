#pragma once
// Data-parallel gradient averaging: parameters grouped into buckets of about 25 MB (in reverse
// order, as the backward pass produces them), each bucket flattened and summed across ranks in
// one collective, all buckets in flight at once.
#include "dist/process_group.hpp"

#include <torch/types.h>

#include <vector>

namespace mmkd {

class GradientAverager {
 public:
  GradientAverager(std::vector<torch::Tensor> parameters, ProcessGroupCollectives& group,
                   int64_t bucket_bytes = int64_t{25} << 20);

  // Every parameter's .grad becomes the mean over ranks (a missing gradient counts as zero).
  void average();

  size_t buckets() const { return buckets_.size(); }

 private:
  std::vector<torch::Tensor> parameters_;
  std::vector<std::vector<size_t>> buckets_;  // indices into parameters_
  ProcessGroupCollectives& group_;
};

// Rank 0's values of every tensor, in place on every rank (parameters and buffers at start).
void broadcast_from_rank0(const std::vector<torch::Tensor>& tensors, ProcessGroupCollectives& group);

}  // namespace mmkd

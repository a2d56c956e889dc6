#include "distributed/gradient_sync.hpp"

#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd {

GradientAverager::GradientAverager(std::vector<torch::Tensor> parameters, ProcessGroupCollectives& group,
                                   int64_t bucket_bytes)
    : parameters_(std::move(parameters)),
      bucket_of_(parameters_.size()),
      position_in_bucket_(parameters_.size()),
      seen_(parameters_.size()),
      group_(group) {
  int64_t filled = bucket_bytes;
  for (size_t i = parameters_.size(); i-- > 0;) {
    const auto& p = parameters_[i];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    const bool same_type = !buckets_.empty() && parameters_[buckets_.back().parameters.front()].options().type_equal(p.options());
    if (filled + bytes > bucket_bytes || !same_type) {
      buckets_.emplace_back();
      filled = 0;
    }
    Bucket& bucket = buckets_.back();
    bucket_of_[i] = buckets_.size() - 1;
    position_in_bucket_[i] = bucket.parameters.size();
    bucket.offsets.push_back(bucket.parameters.empty() ? 0 : bucket.offsets.back() + parameters_[bucket.parameters.back()].numel());
    bucket.parameters.push_back(i);
    filled += bytes;
  }
  for (auto& bucket : buckets_) {
    const auto& last = parameters_[bucket.parameters.back()];
    bucket.flat = torch::zeros({bucket.offsets.back() + last.numel()}, last.options());
  }
  for (size_t i = 0; i < parameters_.size(); ++i)
    parameters_[i].register_hook([this, i](const torch::Tensor& grad) { on_gradient(i, grad); });
}

torch::Tensor GradientAverager::slice(size_t index) {
  Bucket& bucket = buckets_[bucket_of_[index]];
  return bucket.flat.narrow(0, bucket.offsets[position_in_bucket_[index]], parameters_[index].numel());
}

void GradientAverager::arm() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = true;
  std::fill(seen_.begin(), seen_.end(), false);
  for (auto& bucket : buckets_) {
    bucket.ready = 0;
    bucket.wait = nullptr;
  }
}

// The gradient of this backward pass plus what earlier micro-batches accumulated.
void GradientAverager::on_gradient(size_t index, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_ || seen_[index]) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor& accumulated = parameters_[index].grad();
  torch::Tensor target = slice(index);
  if (accumulated.defined()) torch::add_out(target, accumulated.reshape(-1), grad.reshape(-1));
  else target.copy_(grad.reshape(-1));
  seen_[index] = true;
  Bucket& bucket = buckets_[bucket_of_[index]];
  if (++bucket.ready == bucket.parameters.size()) bucket.wait = group_.start_all_reduce_sum(bucket.flat);
}

void GradientAverager::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  torch::NoGradGuard no_grad;
  for (auto& bucket : buckets_) {
    if (bucket.wait) continue;
    for (size_t index : bucket.parameters) {
      if (seen_[index]) continue;
      const torch::Tensor& accumulated = parameters_[index].grad();
      accumulated.defined() ? slice(index).copy_(accumulated.reshape(-1)) : slice(index).zero_();
    }
    bucket.wait = group_.start_all_reduce_sum(bucket.flat);
  }
  const double world = group_.world_size();
  for (auto& bucket : buckets_) {
    bucket.wait();
    bucket.flat.div_(world);
  }
  for (size_t i = 0; i < parameters_.size(); ++i) {
    auto& p = parameters_[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    p.mutable_grad().copy_(slice(i).view_as(p));
  }
  armed_ = false;
}

void broadcast_from_rank0(const std::vector<torch::Tensor>& tensors, ProcessGroupCollectives& group) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor tensor : tensors) {
    torch::Tensor contiguous = tensor.contiguous();
    group.broadcast(contiguous, 0);
    if (!contiguous.is_same(tensor)) tensor.copy_(contiguous);
  }
}

}  // namespace mmkd

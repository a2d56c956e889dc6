#include "dist/gradient_sync.hpp"

#include <torch/torch.h>

namespace mmkd {

GradientAverager::GradientAverager(std::vector<torch::Tensor> parameters, ProcessGroupCollectives& group,
                                   int64_t bucket_bytes)
    : parameters_(std::move(parameters)), group_(group) {
  int64_t filled = bucket_bytes;
  for (size_t i = parameters_.size(); i-- > 0;) {
    const auto& p = parameters_[i];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    const bool same_type = !buckets_.empty() && parameters_[buckets_.back().front()].options().type_equal(p.options());
    if (filled + bytes > bucket_bytes || !same_type) {
      buckets_.emplace_back();
      filled = 0;
    }
    buckets_.back().push_back(i);
    filled += bytes;
  }
}

void GradientAverager::average() {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flats;
  for (const auto& bucket : buckets_) {
    std::vector<torch::Tensor> parts;
    for (size_t i : bucket) {
      const auto& grad = parameters_[i].grad();
      parts.push_back(grad.defined() ? grad.reshape(-1) : torch::zeros({parameters_[i].numel()}, parameters_[i].options()));
    }
    flats.push_back(torch::cat(parts));
  }
  group_.all_reduce_sum_each(flats);
  const double world = group_.world_size();
  for (size_t b = 0; b < buckets_.size(); ++b) {
    flats[b].div_(world);
    int64_t offset = 0;
    for (size_t i : buckets_[b]) {
      auto& p = parameters_[i];
      if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
      p.mutable_grad().copy_(flats[b].narrow(0, offset, p.numel()).view_as(p));
      offset += p.numel();
    }
  }
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

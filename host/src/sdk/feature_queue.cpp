#include <mmkd/error.hpp>
#include <mmkd/kit/feature_queue.hpp>

#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>

namespace mmkd {

FeatureQueueImpl::FeatureQueueImpl(int64_t capacity, int64_t dim) : capacity_(capacity), dim_(dim) {
  if (capacity < 1 || dim < 1)
    throw Error(c10::str("feature queue: capacity and dim must be positive, got ", capacity, " and ", dim));
  rows_ = register_buffer("rows", torch::zeros({capacity, dim}));
  pushed_ = register_buffer("pushed", torch::zeros({}, torch::kLong));
  pushed_version_ = pushed_._version();
}

int64_t FeatureQueueImpl::pushed() const {
  if (pushed_._version() != pushed_version_) {
    pushed_cache_ = pushed_.item<int64_t>();
    pushed_version_ = pushed_._version();
  }
  return pushed_cache_;
}

void FeatureQueueImpl::push(const torch::Tensor& rows) {
  if (rows.dim() != 2 || rows.size(1) != dim_)
    throw Error(c10::str("feature queue of dim ", dim_, ": cannot push rows of shape ", rows.sizes(), ", expected [N, ",
                         dim_, "]"));
  torch::NoGradGuard no_grad;
  const int64_t count = std::min<int64_t>(rows.size(0), capacity_);
  const torch::Tensor newest = rows.narrow(0, rows.size(0) - count, count).to(rows_.options());
  const int64_t pushed = this->pushed();
  const int64_t start = (pushed + rows.size(0) - count) % capacity_;
  const int64_t first = std::min(count, capacity_ - start);
  rows_.narrow(0, start, first).copy_(newest.narrow(0, 0, first));
  if (first < count) rows_.narrow(0, 0, count - first).copy_(newest.narrow(0, first, count - first));
  pushed_.fill_(pushed + rows.size(0));
  pushed_cache_ = pushed + rows.size(0);
  pushed_version_ = pushed_._version();
}

torch::Tensor FeatureQueueImpl::contents() const {
  const int64_t pushed = this->pushed();
  if (pushed < capacity_) return rows_.narrow(0, 0, pushed);
  const int64_t start = pushed % capacity_;
  return torch::cat({rows_.narrow(0, start, capacity_ - start), rows_.narrow(0, 0, start)});
}

torch::Tensor FeatureQueueImpl::keys_after(const torch::Tensor& current) const {
  return torch::cat({current, rows_.narrow(0, 0, size()).to(current.scalar_type())});
}

int64_t FeatureQueueImpl::size() const { return std::min(pushed(), capacity_); }

}  // namespace mmkd

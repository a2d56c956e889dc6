#include "train/batch_loader.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace mmkd {

uint64_t mix_seed(std::initializer_list<uint64_t> values) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (uint64_t v : values) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h += 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
  }
  return h;
}

BatchLoader::BatchLoader(std::shared_ptr<Dataset> dataset, int64_t batch_size, bool shuffle, bool drop_last,
                         uint64_t seed, int rank, int world)
    : dataset_(std::move(dataset)),
      batch_size_(batch_size),
      rank_(rank),
      world_(world),
      shuffle_(shuffle),
      drop_last_(drop_last),
      seed_(seed) {}

BatchLoader::~BatchLoader() {
  if (prefetch_.valid()) prefetch_.wait();
}

int64_t BatchLoader::batches_per_epoch() const {
  const int64_t n = dataset_->size(), global = batch_size_ * world_;
  return drop_last_ ? n / global : (n + global - 1) / global;
}

std::vector<int64_t> BatchLoader::order(int64_t epoch) const {
  std::vector<int64_t> indices(dataset_->size());
  std::iota(indices.begin(), indices.end(), 0);
  if (shuffle_) {
    std::mt19937_64 generator(mix_seed({seed_, static_cast<uint64_t>(epoch), 0x5eedULL}));
    std::shuffle(indices.begin(), indices.end(), generator);
  }
  return indices;
}

TensorMap BatchLoader::load(int64_t epoch, int64_t index) const {
  const int64_t begin = (index * world_ + rank_) * batch_size_;
  const int64_t end = std::min<int64_t>(begin + batch_size_, static_cast<int64_t>(cached_order_.size()));
  std::map<std::string, std::vector<torch::Tensor>> columns;
  for (int64_t i = begin; i < end; ++i) {
    const int64_t sample = cached_order_[i];
    TensorMap item = dataset_->get(sample, mix_seed({seed_, static_cast<uint64_t>(epoch), static_cast<uint64_t>(sample)}));
    for (auto& [key, tensor] : item) columns[key].push_back(std::move(tensor));
  }
  TensorMap batch;
  for (auto& [key, tensors] : columns) batch["batch." + key] = torch::stack(tensors);
  return batch;
}

TensorMap BatchLoader::batch(int64_t epoch, int64_t index) {
  if (epoch != cached_order_epoch_) {
    if (prefetch_.valid()) prefetch_.wait();
    prefetch_ = {};
    cached_order_ = order(epoch);
    cached_order_epoch_ = epoch;
  }
  TensorMap result;
  if (prefetch_.valid() && prefetch_epoch_ == epoch && prefetch_index_ == index) {
    result = prefetch_.get();
  } else {
    if (prefetch_.valid()) prefetch_.wait();
    prefetch_ = {};
    result = load(epoch, index);
  }
  if (index + 1 < batches_per_epoch()) {
    prefetch_epoch_ = epoch;
    prefetch_index_ = index + 1;
    prefetch_ = std::async(std::launch::async, [this, epoch, index] { return load(epoch, index + 1); });
  }
  return result;
}

}  // namespace mmkd

#include "data/batch_loader.hpp"

#include "graph/experiment_plan.hpp"

#include <torch/types.h>

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

LoaderOptions loader_options(const ExperimentPlan& plan, const Context& context) {
  LoaderOptions options;
  options.seed = plan.seed;
  options.workers = static_cast<int>(plan.trainer.get<int64_t>("data_workers"));
  options.prefetch = static_cast<int>(plan.trainer.get<int64_t>("prefetch_batches"));
  options.pin_memory = context.device.is_cuda();
  options.views = plan.trainer.get<int64_t>("augmentation_views");
  return options;
}

BatchLoader::BatchLoader(std::shared_ptr<Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void BatchLoader::work() {
  for (;;) {
    std::packaged_task<TensorMap()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

int64_t BatchLoader::batches_per_epoch() const {
  const int64_t n = dataset_->size(), global = options_.batch_size * options_.world;
  return options_.drop_last ? n / global : (n + global - 1) / global;
}

BatchLoader::Order BatchLoader::order(int64_t epoch) const {
  auto indices = std::make_shared<std::vector<int64_t>>(dataset_->size());
  std::iota(indices->begin(), indices->end(), 0);
  if (!options_.shuffle) return indices;
  std::mt19937_64 generator(mix_seed({options_.seed, static_cast<uint64_t>(epoch), 0x5eedULL}));
  const std::vector<int64_t> shards = dataset_->shard_sizes();
  if (shards.empty()) {
    std::shuffle(indices->begin(), indices->end(), generator);
    return indices;
  }
  std::vector<std::pair<int64_t, int64_t>> ranges;  // [begin, end) of each shard
  int64_t begin = 0;
  for (const int64_t size : shards) ranges.emplace_back(begin, begin + size), begin += size;
  if (ranges.empty() || ranges.back().second != dataset_->size())
    throw Error("the dataset's shard sizes do not add up to its size " + std::to_string(dataset_->size()));
  std::shuffle(ranges.begin(), ranges.end(), generator);
  auto out = indices->begin();
  for (const auto& [first_index, end] : ranges) {
    auto first = out;
    for (int64_t i = first_index; i < end; ++i) *out++ = i;
    std::shuffle(first, out, generator);
  }
  return indices;
}

TensorMap BatchLoader::load(const Order& order, int64_t epoch, int64_t index) const {
  const int64_t begin = (index * options_.world + options_.rank) * options_.batch_size;
  const int64_t end = std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(order->size()));
  const int64_t view = options_.views > 0 ? epoch % options_.views : epoch;
  std::map<std::string, std::vector<torch::Tensor>> columns, cached;  // by dataset key; by tensor name
  for (int64_t i = begin; i < end; ++i) {
    const int64_t sample = (*order)[i];
    const uint64_t seed = mix_seed({options_.seed, static_cast<uint64_t>(view), static_cast<uint64_t>(sample)});
    for (auto& [key, tensor] : dataset_->get(sample, seed)) columns[key].push_back(std::move(tensor));
    if (options_.teacher_cache)
      for (const auto& output : options_.teacher_cache->outputs())
        cached[output.name].push_back(options_.teacher_cache->get(output, sample, view));
  }
  TensorMap batch;
  auto stack_into = [&](const std::string& name, const std::vector<torch::Tensor>& tensors) {
    torch::Tensor stacked = torch::stack(tensors);
    batch[name] = options_.pin_memory ? stacked.pin_memory() : stacked;
  };
  for (const auto& [key, tensors] : columns) stack_into("batch." + key, tensors);
  for (const auto& [name, tensors] : cached) stack_into(name, tensors);
  return batch;
}

void BatchLoader::schedule(int64_t index) {
  if (index >= batches_per_epoch() || pending_.count(index)) return;
  std::packaged_task<TensorMap()> task([this, order = order_, epoch = epoch_, index] { return load(order, epoch, index); });
  pending_[index] = task.get_future().share();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void BatchLoader::drain() {
  for (auto& [index, result] : pending_) result.wait();
  pending_.clear();
}

TensorMap BatchLoader::batch(int64_t epoch, int64_t index) {
  if (epoch != epoch_) {
    drain();
    epoch_ = epoch;
    order_ = order(epoch);
  }
  for (auto it = pending_.begin(); it != pending_.end() && it->first < index;) {  // skipped on resume
    it->second.wait();
    it = pending_.erase(it);
  }
  schedule(index);
  for (int64_t ahead = 1; ahead <= options_.prefetch; ++ahead) schedule(index + ahead);
  auto it = pending_.find(index);
  if (it == pending_.end())
    throw Error("batch " + std::to_string(index) + " asked for, an epoch has " + std::to_string(batches_per_epoch()));
  std::shared_future<TensorMap> result = it->second;
  pending_.erase(index);
  return result.get();
}

}  // namespace mmkd

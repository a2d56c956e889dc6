#pragma once
// Batches of a dataset in an order fixed by (seed, epoch), so that a resumed run reads
// exactly the batches the interrupted one would have read. Worker threads prepare the next
// batches while the current step runs; what they produce does not depend on their number.
#include "data/teacher_cache.hpp"

#include <mmkd/component.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mmkd {

struct LoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false, drop_last = false;
  uint64_t seed = 0;
  // With world > 1, batch i of an epoch is this rank's batch_size rows of the global batch of
  // batch_size x world rows: ranks read disjoint samples, together the one-process order.
  int rank = 0, world = 1;
  int workers = 1;           // threads that load batches
  int prefetch = 2;          // batches loaded ahead of the one asked for
  bool pin_memory = false;   // page-locked batches, for asynchronous copies to a GPU
  // > 0: augmentation seeds repeat every `views` epochs (epoch e draws view e % views).
  int64_t views = 0;
  // Teacher outputs of each sample's view, added to the batch under their tensor names.
  std::shared_ptr<const TeacherCache> teacher_cache;
};

class BatchLoader {
 public:
  BatchLoader(std::shared_ptr<Dataset> dataset, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t batches_per_epoch() const;
  // Batch `index` of `epoch`, with every key prefixed "batch."; the batches after it are
  // scheduled on the workers. An exception of the dataset is rethrown here.
  TensorMap batch(int64_t epoch, int64_t index);
  const Dataset& dataset() const { return *dataset_; }

 private:
  using Order = std::shared_ptr<const std::vector<int64_t>>;
  TensorMap load(const Order& order, int64_t epoch, int64_t index) const;
  Order order(int64_t epoch) const;
  void schedule(int64_t index);
  void drain();
  void work();

  std::shared_ptr<Dataset> dataset_;
  LoaderOptions options_;
  int64_t epoch_ = -1;
  Order order_;
  std::map<int64_t, std::shared_future<TensorMap>> pending_;  // batch index -> result

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<TensorMap()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Seed, workers, prefetch depth and pinning of an experiment's loaders (batch size and order
// are the caller's).
struct ExperimentPlan;
LoaderOptions loader_options(const ExperimentPlan& plan, const Context& context);

// A 64-bit seed mixed from several values (splitmix64).
uint64_t mix_seed(std::initializer_list<uint64_t> values);

}  // namespace mmkd

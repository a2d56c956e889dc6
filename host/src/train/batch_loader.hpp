#pragma once
// Batches of a dataset in an order fixed by (seed, epoch), so that a resumed run reads
// exactly the batches the interrupted one would have read. The next batch is prepared on a
// background thread while the current step runs.
#include <mmkd/component.hpp>

#include <future>
#include <memory>

namespace mmkd {

class BatchLoader {
 public:
  // With `world` > 1, batch i of an epoch is this `rank`'s batch_size rows of the global batch
  // of batch_size x world rows: ranks read disjoint samples, together the one-process order.
  BatchLoader(std::shared_ptr<Dataset> dataset, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed,
              int rank = 0, int world = 1);
  ~BatchLoader();

  int64_t batches_per_epoch() const;
  // Batch `index` of `epoch`, with every key prefixed "batch.". Asking for the batch after
  // the previous one returns the prefetched result.
  TensorMap batch(int64_t epoch, int64_t index);

 private:
  TensorMap load(int64_t epoch, int64_t index) const;
  std::vector<int64_t> order(int64_t epoch) const;

  std::shared_ptr<Dataset> dataset_;
  int64_t batch_size_;
  int rank_, world_;
  bool shuffle_, drop_last_;
  uint64_t seed_;
  int64_t cached_order_epoch_ = -1;
  mutable std::vector<int64_t> cached_order_;
  std::future<TensorMap> prefetch_;
  int64_t prefetch_epoch_ = -1, prefetch_index_ = -1;
};

// A 64-bit seed mixed from several values (splitmix64).
uint64_t mix_seed(std::initializer_list<uint64_t> values);

}  // namespace mmkd

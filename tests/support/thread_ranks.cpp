#include "thread_ranks.hpp"

#include <torch/types.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mmkd::testing {
namespace {

// Every collective is a round: each rank deposits its tensor, the last one in wakes the rest,
// and all read the deposits before the next round may start.
class SharedRounds {
 public:
  explicit SharedRounds(int world_size) : world_size_(world_size), slots_(world_size) {}

  std::vector<torch::Tensor> exchange(int rank, const torch::Tensor& tensor) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return readers_ == 0; });
    slots_[rank] = tensor.detach().clone();
    const int64_t round = round_;
    if (++arrived_ == world_size_) {
      arrived_ = 0;
      readers_ = world_size_;
      ++round_;
      changed_.notify_all();
    } else {
      changed_.wait(lock, [&] { return round_ != round; });
    }
    std::vector<torch::Tensor> result = slots_;
    if (--readers_ == 0) changed_.notify_all();
    return result;
  }

 private:
  const int world_size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<torch::Tensor> slots_;
  int arrived_ = 0, readers_ = 0;
  int64_t round_ = 0;
};

class ThreadCollectives : public Collectives {
 public:
  ThreadCollectives(SharedRounds& rounds, int rank, int world_size)
      : rounds_(rounds), rank_(rank), world_size_(world_size) {}
  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  std::vector<torch::Tensor> all_gather(const torch::Tensor& tensor) override { return rounds_.exchange(rank_, tensor); }
  void all_reduce_sum(torch::Tensor& tensor) override {
    torch::Tensor sum = torch::zeros_like(tensor);
    for (const torch::Tensor& part : rounds_.exchange(rank_, tensor)) sum += part;
    tensor.copy_(sum);
  }

 private:
  SharedRounds& rounds_;
  int rank_, world_size_;
};

}  // namespace

void run_ranks(int world_size, const std::function<void(const Context&)>& body) {
  SharedRounds rounds(world_size);
  std::vector<std::exception_ptr> errors(world_size);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world_size; ++rank)
    threads.emplace_back([&, rank] {
      Context context;
      context.rank = rank;
      context.world_size = world_size;
      context.collectives = std::make_shared<ThreadCollectives>(rounds, rank, world_size);
      try {
        body(context);
      } catch (...) {
        errors[rank] = std::current_exception();
      }
    });
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace mmkd::testing

#include "metrics/peak_memory.hpp"

#include <c10/core/CPUAllocator.h>
#ifdef MMKD_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace mmkd {
namespace {

// Wraps the CPU allocator, counting the bytes of the blocks it hands out and has not had back.
// Data pointer and context stay the same pointer, so raw_allocate/raw_deallocate keep working.
class CountingCpuAllocator final : public c10::Allocator {
 public:
  explicit CountingCpuAllocator(c10::Allocator* inner) : inner_(inner), inner_raw_deleter_(inner->raw_deleter()) {}

  static CountingCpuAllocator& installed() {
    static CountingCpuAllocator* instance = [] {
      auto* counting = new CountingCpuAllocator(c10::GetCPUAllocator());  // outlives every tensor
      c10::SetCPUAllocator(counting, /*priority=*/100);
      return counting;
    }();
    return *instance;
  }

  // libtorch 1.x declares allocate const, 2.3+ non-const and adds copy_data: each overload
  // overrides on the version that has it.
  c10::DataPtr allocate(size_t bytes) const { return counted(inner_->allocate(bytes), bytes); }
  c10::DataPtr allocate(size_t bytes) { return counted(inner_->allocate(bytes), bytes); }
  void copy_data(void* destination, const void* source, std::size_t bytes) const { std::memcpy(destination, source, bytes); }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  int64_t read_and_reset() {
    std::lock_guard<std::mutex> guard(mutex_);
    const int64_t peak = peak_;
    peak_ = current_;
    return peak;
  }

 private:
  struct Block {
    size_t bytes;
    c10::DeleterFnPtr deleter;
  };

  c10::DataPtr counted(c10::DataPtr inner, size_t bytes) const {
    void* data = inner.get();
    if (data == nullptr || data != inner.get_context()) return inner;
    const c10::DeleterFnPtr deleter = inner.get_deleter();
    const c10::Device device = inner.device();
    inner.release_context();
    {
      std::lock_guard<std::mutex> guard(mutex_);
      blocks_[data] = {bytes, deleter};
      current_ += static_cast<int64_t>(bytes);
      peak_ = std::max(peak_, current_);
    }
    return {data, data, &release, device};
  }

  // Frees a counted block, or through the wrapped allocator one it handed out before.
  static void release(void* data) {
    CountingCpuAllocator& self = installed();
    c10::DeleterFnPtr deleter = self.inner_raw_deleter_;
    {
      std::lock_guard<std::mutex> guard(self.mutex_);
      auto it = self.blocks_.find(data);
      if (it != self.blocks_.end()) {
        deleter = it->second.deleter;
        self.current_ -= static_cast<int64_t>(it->second.bytes);
        self.blocks_.erase(it);
      }
    }
    if (deleter) deleter(data);
  }

  c10::Allocator* inner_;
  c10::DeleterFnPtr inner_raw_deleter_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<void*, Block> blocks_;
  mutable int64_t current_ = 0, peak_ = 0;
};

}  // namespace

PeakMemory::PeakMemory(torch::Device device) : device_(device) {
  if (device_.is_cpu()) {
    CountingCpuAllocator::installed().read_and_reset();
    measured_ = true;
  }
#ifdef MMKD_WITH_CUDA
  if (device_.is_cuda()) {
    if (!device_.has_index()) device_ = torch::Device(torch::kCUDA, c10::cuda::current_device());
    c10::cuda::CUDACachingAllocator::resetPeakStats(device_.index());
    measured_ = true;
  }
#endif
}

int64_t PeakMemory::read_and_reset() {
  if (device_.is_cpu()) return CountingCpuAllocator::installed().read_and_reset();
#ifdef MMKD_WITH_CUDA
  if (device_.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device_.index());
    c10::cuda::CUDACachingAllocator::resetPeakStats(device_.index());
    return stats.allocated_bytes[0].peak;  // [0]: StatType::AGGREGATE, all pools
  }
#endif
  return 0;
}

}  // namespace mmkd

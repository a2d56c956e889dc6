#pragma once
// Peak tensor memory of the training device between two reads: CUDA's caching
// allocator statistics on a GPU, a counting wrapper around libtorch's CPU allocator on the CPU
// (every CPU tensor allocated after the first PeakMemory was made, on any thread).
#include <torch/types.h>

namespace mmkd {

class PeakMemory {
 public:
  explicit PeakMemory(torch::Device device);
  bool measured() const { return measured_; }  // false on other devices, or CUDA in a CPU-only build
  // Bytes of tensor memory allocated at most at once since construction or the last call.
  int64_t read_and_reset();

 private:
  torch::Device device_;
  bool measured_ = false;
};

}  // namespace mmkd

#pragma once
// Batches copied to the training device one step ahead, on a side stream: the copy
// of the next batch overlaps the current step's compute. On the CPU a batch passes through.
#include <mmkd/tensor_map.hpp>

#include <c10/core/Event.h>
#include <c10/core/Stream.h>

#include <optional>

namespace mmkd {

class BatchTransfer {
 public:
  explicit BatchTransfer(torch::Device device);
  // Starts copying `batch` (pinned host tensors on CUDA) to the device.
  void start(TensorMap batch);
  bool pending() const { return pending_.has_value(); }
  // The batch started last, on the device and ready for the current stream.
  TensorMap take();

 private:
  torch::Device device_;
  std::optional<c10::Stream> side_;
  std::optional<c10::Event> copied_;
  std::optional<TensorMap> pending_;
};

}  // namespace mmkd

#include "data/batch_transfer.hpp"

#include <mmkd/error.hpp>

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

namespace mmkd {

BatchTransfer::BatchTransfer(torch::Device device) : device_(device) {
  if (!device_.is_cuda()) return;
  c10::impl::VirtualGuardImpl guard(device_.type());
  if (!device_.has_index()) device_ = torch::Device(device_.type(), guard.getDevice().index());
  side_ = guard.getStreamFromGlobalPool(device_);
  copied_.emplace(device_.type());
}

void BatchTransfer::start(TensorMap batch) {
  if (side_) {
    c10::StreamGuard on_side(*side_);
    for (auto& [_, tensor] : batch) tensor = tensor.to(device_, /*non_blocking=*/true);
    copied_->record(*side_);
  } else {
    for (auto& [_, tensor] : batch) tensor = tensor.to(device_);
  }
  pending_ = std::move(batch);
}

TensorMap BatchTransfer::take() {
  if (!pending_) throw Error("BatchTransfer::take without a batch started");
  TensorMap batch = std::move(*pending_);
  pending_.reset();
  if (side_) {
    c10::impl::VirtualGuardImpl guard(device_.type());
    const c10::Stream current = guard.getStream(device_);
    copied_->block(current);
    // The allocator must not reuse a batch's memory before the current stream is done with it.
    for (const auto& [_, tensor] : batch) guard.recordDataPtrOnStream(tensor.storage().data_ptr(), current);
  }
  return batch;
}

}  // namespace mmkd

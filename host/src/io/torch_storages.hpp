#pragma once
// Storages of a PyTorch checkpoint: the persistent ids that name them, and the tensors rebuilt
// on their bytes (offset, sizes and strides as saved; tensors sharing a storage share memory).
#include "io/pickle_value.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mmkd {

// ('storage', torch.FloatStorage, key, location, numel[, None]) as a storage value; throws
// mmkd::Error naming `file` for any other persistent id.
pickle::ValuePtr storage_of_persistent_id(const pickle::Value& persistent_id, const std::string& file);

// Sets every record's tensor, on a CPU copy of the bytes `storage_bytes` returns for its key.
// Throws naming `file` when a tensor reaches past its storage.
void rebuild_tensors(const std::vector<std::shared_ptr<pickle::TensorRecord>>& records,
                     const std::function<std::string_view(const std::string& key)>& storage_bytes,
                     const std::string& file);

}  // namespace mmkd

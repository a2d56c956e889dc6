#pragma once
// A state dict's keys put into a checkpoint format: kept, renamed or left out.
#include "convert/checkpoint_formats.hpp"

#include <mmkd/tensor_map.hpp>

#include <string>
#include <utility>
#include <vector>

namespace mmkd {

struct ConvertedKeys {
  TensorMap tensors;                                         // under their new names
  std::vector<std::string> kept;                             // names unchanged
  std::vector<std::pair<std::string, std::string>> renamed;  // old name, new name
  std::vector<std::string> dropped;                          // left out by the format
};

// Throws mmkd::Error naming `file` when two keys end up with one name.
ConvertedKeys convert_keys(const CheckpointFormat& format,
                           const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& file);

}  // namespace mmkd

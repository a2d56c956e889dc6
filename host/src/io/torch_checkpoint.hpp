#pragma once
// PyTorch checkpoints, torch.save's zip format and the legacy format of torch before 1.6, read
// with the restricted unpickler: nothing in the file is run. Tensors come back on the CPU.
#include "io/pickle_value.hpp"

#include <string>

namespace mmkd {

struct TorchCheckpoint {
  pickle::ValuePtr root;      // the object torch.save was given
  std::string serialization;  // "torch.save zip" or "legacy torch.save (torch < 1.6)"
};

// Throws mmkd::Error naming `path` for a refused global, a truncated or corrupt file, or a file
// that is not a PyTorch checkpoint.
TorchCheckpoint read_torch_checkpoint(const std::string& path);

}  // namespace mmkd

#pragma once
// `mmkd convert IN OUT.safetensors --format FORMAT`: a PyTorch pickle checkpoint (torch.save's zip
// or legacy format) read without running any of it, its state dict found and renamed to an mmkd
// format, and written as safetensors.
#include <string>

namespace mmkd {

struct ConvertRequest {
  std::string input;   // .pt / .pth / .bin written by torch.save
  std::string output;  // .safetensors, written atomically
  std::string format;  // a name of checkpoint_formats()
  std::string key;     // the entry holding the state dict; empty: found as find_state_dict says
};

// Converts and returns the report: where the state dict was, what was kept, renamed and dropped.
std::string convert_checkpoint(const ConvertRequest& request);

}  // namespace mmkd

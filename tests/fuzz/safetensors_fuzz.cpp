// safetensors: the header, its entries and every tensor's bytes.
#include "fuzz_target.hpp"

#include <mmkd/safetensors.hpp>

MMKD_FUZZ_TARGET(safetensors) {
  const std::string path = mmkd::fuzz::scratch_file("model.safetensors", data, size);
  mmkd::fuzz::allow_input_errors([&] {
    const mmkd::SafetensorsFile file(path);
    for (const auto& key : file.keys()) file.tensor(key).sum();
  });
}

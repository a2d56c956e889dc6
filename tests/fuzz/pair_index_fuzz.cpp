// The JSON-lines index of image-text pairs.
#include "fuzz_target.hpp"

#include "pair_index.hpp"

MMKD_FUZZ_TARGET(pair_index) {
  const std::string path = mmkd::fuzz::scratch_file("index.jsonl", data, size);
  mmkd::fuzz::allow_input_errors([&] { mmkd::image_text::read_pair_index(path, {}); });
}

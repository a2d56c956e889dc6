// Tar shards: the member headers (ustar, GNU long names, pax records) and every member's bytes.
#include "fuzz_target.hpp"

#include "tar_index.hpp"

MMKD_FUZZ_TARGET(tar_index) {
  const std::string path = mmkd::fuzz::scratch_file("shard.tar", data, size);
  mmkd::fuzz::allow_input_errors([&] {
    for (const auto& sample : mmkd::image_text::read_tar_index(path))
      for (const auto& [extension, member] : sample.members) mmkd::image_text::read_tar_member(path, member);
  });
}

#pragma once
// The members of a tar file (POSIX ustar, GNU long names, pax path records), found by reading
// the headers only, grouped into samples by key as img2dataset and webdataset write them:
// KEY.jpg with KEY.txt or KEY.json.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mmkd::image_text {

struct TarMember {
  uint64_t offset = 0;  // of the data in the file
  uint64_t size = 0;
};

struct TarSample {
  std::string key;                            // member name without its extension(s)
  std::map<std::string, TarMember> members;   // extension ("jpg", "txt", "json") -> member
};

// Samples in file order. Throws mmkd::Error naming the file for a header that is not a tar
// header or a member running past the end of the file.
std::vector<TarSample> read_tar_index(const std::string& path);

// `size` bytes at `offset` of the file.
std::string read_tar_member(const std::string& path, const TarMember& member);

}  // namespace mmkd::image_text

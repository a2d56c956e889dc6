#pragma once
// The members of a zip archive whose entries are stored uncompressed, as torch.save writes them
// (zip64 records included). Only the central directory and local headers are read.
#include <map>
#include <string>
#include <string_view>

namespace mmkd {

// Entry name -> its bytes inside `archive`. Throws mmkd::Error naming `path` when the archive is
// truncated or malformed, or an entry is compressed.
std::map<std::string, std::string_view> read_stored_zip(const std::string& path, std::string_view archive);

bool looks_like_zip(std::string_view bytes);  // starts with a local file header

}  // namespace mmkd

#pragma once
// A read-only memory map of a file of little-endian uint16 token ids, as nanoGPT's
// prepare.py writes OpenWebText's train.bin and val.bin.
#include <cstddef>
#include <cstdint>
#include <string>

namespace mmkd::text {

class TokenFile {
 public:
  // Throws mmkd::Error naming the file when it is missing, empty or of odd size.
  explicit TokenFile(const std::string& path);
  ~TokenFile();
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;

  int64_t size() const { return static_cast<int64_t>(bytes_ / 2); }
  int64_t operator[](int64_t i) const { return data_[2 * i] | (data_[2 * i + 1] << 8); }

 private:
  const unsigned char* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace mmkd::text

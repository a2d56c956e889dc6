#pragma once
// Writes a token file (little-endian uint16 ids, what TokenFile reads) through a temporary file in
// the same folder that commit() renames over the path: readers never see a partial file.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace mmkd::text {

// The ids of a document as the file stores them (each id < 65536).
std::string token_bytes_of(const std::vector<int64_t>& ids);

class TokenFileWriter {
 public:
  explicit TokenFileWriter(std::string path);  // throws mmkd::Error naming the file it cannot create
  ~TokenFileWriter();                           // removes the temporary file unless committed
  TokenFileWriter(const TokenFileWriter&) = delete;
  TokenFileWriter& operator=(const TokenFileWriter&) = delete;

  void write(const std::string& token_bytes);
  void commit();  // flushes, syncs and renames; throws mmkd::Error naming the file on failure

  const std::string& path() const { return path_; }
  int64_t bytes() const { return bytes_; }

 private:
  std::string path_, temporary_path_;
  std::FILE* file_ = nullptr;
  int64_t bytes_ = 0;
};

}  // namespace mmkd::text

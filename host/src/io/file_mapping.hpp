#pragma once
// A whole file mapped read-only into memory.
#include <string>
#include <string_view>

namespace mmkd {

class FileMapping {
 public:
  explicit FileMapping(const std::string& path);  // throws mmkd::Error naming the file
  ~FileMapping();
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  const std::string& path() const { return path_; }
  std::string_view bytes() const { return {static_cast<const char*>(address_), size_}; }

 private:
  std::string path_;
  void* address_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mmkd

#include "token_file.hpp"

#include <mmkd/error.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mmkd::text {

TokenFile::TokenFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError("cannot open token file `" + path + "`: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw DataError("token file `" + path + "` is not a regular file");
  }
  bytes_ = static_cast<size_t>(info.st_size);
  if (bytes_ == 0 || bytes_ % 2 != 0) {
    ::close(fd);
    throw DataError("token file `" + path + "` has " + std::to_string(bytes_) +
                " bytes; expected a non-empty, even size (uint16 token ids)");
  }
  void* mapped = ::mmap(nullptr, bytes_, PROT_READ, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (mapped == MAP_FAILED) throw Error("cannot map token file `" + path + "`: " + std::strerror(map_errno));
  data_ = static_cast<const unsigned char*>(mapped);
}

TokenFile::~TokenFile() { ::munmap(const_cast<unsigned char*>(data_), bytes_); }

}  // namespace mmkd::text

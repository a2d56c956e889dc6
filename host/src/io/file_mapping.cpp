#include "io/file_mapping.hpp"

#include <mmkd/error.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mmkd {

FileMapping::FileMapping(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + path + ": " + std::strerror(errno));
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const int fstat_errno = errno;
    ::close(fd);
    throw Error("cannot read the size of " + path + ": " + std::strerror(fstat_errno));
  }
  if (!S_ISREG(status.st_mode)) {
    ::close(fd);
    throw Error(path + " is not a file");
  }
  size_ = static_cast<size_t>(status.st_size);
  if (size_ > 0) address_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  const int mmap_errno = errno;
  ::close(fd);
  if (address_ == MAP_FAILED) throw Error("cannot map " + path + ": " + std::strerror(mmap_errno));
}

FileMapping::~FileMapping() {
  if (address_ != nullptr) ::munmap(address_, size_);
}

}  // namespace mmkd

#include "io/atomic_file.hpp"

#include <mmkd/error.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mmkd {

namespace {

std::string unique_temporary_path(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

void fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + path + " to sync it: " + std::strerror(errno));
  int result = ::fsync(fd);
  int fsync_errno = errno;
  ::close(fd);
  if (result != 0) throw Error("cannot sync " + path + ": " + std::strerror(fsync_errno));
}

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(const std::string& temporary_path)>& write) {
  fs::path parent = fs::absolute(fs::path(path)).parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw Error("cannot create folder " + parent.string() + " for " + path + ": " + ec.message());

  const std::string temporary = unique_temporary_path(path);
  try {
    write(temporary);
    fsync_path(temporary, O_RDONLY);
    if (::rename(temporary.c_str(), path.c_str()) != 0)
      throw Error("cannot rename " + temporary + " to " + path + ": " + std::strerror(errno));
  } catch (...) {
    fs::remove(temporary, ec);
    throw;
  }
  fsync_path(parent.string(), O_RDONLY | O_DIRECTORY);
}

void write_text_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) throw Error("cannot write " + path);
  });
}

}  // namespace mmkd

#include "token_file_writer.hpp"

#include <mmkd/error.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mmkd::text {

namespace {

Error token_file_error(const std::string& what, const std::string& path) {
  return Error("cannot " + what + " `" + path + "`: " + std::strerror(errno));
}

}  // namespace

std::string token_bytes_of(const std::vector<int64_t>& ids) {
  std::string bytes(2 * ids.size(), '\0');
  for (size_t i = 0; i < ids.size(); ++i) {
    bytes[2 * i] = static_cast<char>(ids[i] & 0xFF);
    bytes[2 * i + 1] = static_cast<char>((ids[i] >> 8) & 0xFF);
  }
  return bytes;
}

TokenFileWriter::TokenFileWriter(std::string path)
    : path_(std::move(path)), temporary_path_(path_ + ".tmp." + std::to_string(::getpid())) {
  file_ = std::fopen(temporary_path_.c_str(), "wb");
  if (file_ == nullptr) throw token_file_error("create", temporary_path_);
}

TokenFileWriter::~TokenFileWriter() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  std::remove(temporary_path_.c_str());
}

void TokenFileWriter::write(const std::string& token_bytes) {
  if (std::fwrite(token_bytes.data(), 1, token_bytes.size(), file_) != token_bytes.size())
    throw token_file_error("write", temporary_path_);
  bytes_ += static_cast<int64_t>(token_bytes.size());
}

void TokenFileWriter::commit() {
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) throw token_file_error("write", temporary_path_);
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) {
    std::remove(temporary_path_.c_str());
    throw token_file_error("write", temporary_path_);
  }
  if (std::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
    const Error error = token_file_error("rename to", path_);
    std::remove(temporary_path_.c_str());
    throw error;
  }
}

}  // namespace mmkd::text

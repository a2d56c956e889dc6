#include "data/teacher_cache.hpp"

#include <mmkd/error.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mmkd {
namespace {

constexpr char kMagic[] = "MMKDTC01";
constexpr uint64_t kAlignment = 64;

const std::map<std::string, torch::ScalarType>& dtypes() {
  static const std::map<std::string, torch::ScalarType> names = {
      {"float32", torch::kFloat}, {"float16", torch::kHalf}, {"bfloat16", torch::kBFloat16}, {"int64", torch::kLong}};
  return names;
}

std::string dtype_name(torch::ScalarType dtype) {
  for (const auto& [name, type] : dtypes())
    if (type == dtype) return name;
  throw Error(std::string("teacher cache: cannot store tensors of type ") + c10::toString(dtype));
}

uint64_t row_bytes(const CachedOutput& output) {
  uint64_t bytes = c10::elementSize(output.dtype);
  for (int64_t d : output.shape) bytes *= static_cast<uint64_t>(d);
  return bytes;
}

void write_all(int fd, const void* data, size_t size, uint64_t offset, const std::string& path) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t written = ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
    if (written < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
    bytes += written, size -= static_cast<size_t>(written), offset += static_cast<uint64_t>(written);
  }
}

}  // namespace

TeacherCacheWriter::TeacherCacheWriter(std::string path, int64_t samples, int64_t views, uint64_t seed,
                                       std::vector<CachedOutput> outputs)
    : path_(std::move(path)), temporary_(path_ + ".tmp"), samples_(samples), views_(views), outputs_(std::move(outputs)) {
  auto header_text = [&] {
    nlohmann::json header{{"samples", samples}, {"views", views}, {"seed", seed}, {"outputs", nlohmann::json::array()}};
    for (const auto& output : outputs_)
      header["outputs"].push_back({{"name", output.name}, {"dtype", dtype_name(output.dtype)}, {"shape", output.shape},
                                   {"offset", output.offset}});
    return header.dump();
  };
  // Room for the widest offsets, then the real ones (the header padded with spaces).
  for (auto& output : outputs_) output.offset = std::numeric_limits<uint64_t>::max();
  const size_t reserved = header_text().size();
  uint64_t end = (16 + reserved + kAlignment - 1) / kAlignment * kAlignment;
  for (auto& output : outputs_) {
    output.offset = end;
    end += (row_bytes(output) * static_cast<uint64_t>(samples * views) + kAlignment - 1) / kAlignment * kAlignment;
  }
  std::string text = header_text();
  text.resize(reserved, ' ');
  fd_ = ::open(temporary_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot create " + temporary_ + ": " + std::strerror(errno));
  if (::ftruncate(fd_, static_cast<off_t>(end)) != 0) throw Error("cannot size " + temporary_ + ": " + std::strerror(errno));
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * i));
  write_all(fd_, kMagic, 8, 0, temporary_);
  write_all(fd_, length, 8, 8, temporary_);
  write_all(fd_, text.data(), text.size(), 16, temporary_);
}

TeacherCacheWriter::~TeacherCacheWriter() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temporary_.c_str());
}

void TeacherCacheWriter::put(int64_t view, int64_t first_sample, const TensorMap& outputs) {
  for (const auto& output : outputs_) {
    const torch::Tensor rows = require(outputs, output.name).detach().to(torch::kCPU, output.dtype).contiguous();
    if (rows.dim() != static_cast<int64_t>(output.shape.size()) + 1 || rows.sizes().slice(1) != c10::IntArrayRef(output.shape) ||
        first_sample + rows.size(0) > samples_ || view >= views_)
      throw Error(c10::str("teacher cache: `", output.name, "` rows ", rows.sizes(), " at sample ", first_sample, " of view ",
                           view, " do not fit ", samples_, " samples x ", views_, " views of shape ", c10::IntArrayRef(output.shape)));
    const uint64_t row = row_bytes(output);
    write_all(fd_, rows.data_ptr(), static_cast<size_t>(row * static_cast<uint64_t>(rows.size(0))),
              output.offset + row * static_cast<uint64_t>(view * samples_ + first_sample), temporary_);
  }
}

void TeacherCacheWriter::finish() {
  if (::fsync(fd_) != 0) throw Error("cannot flush " + temporary_ + ": " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  std::filesystem::rename(temporary_, path_);
}

TeacherCache::TeacherCache(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open teacher cache " + path + ": " + std::strerror(errno));
  struct stat st {};
  const bool sized = ::fstat(fd, &st) == 0;
  size_ = sized ? static_cast<size_t>(st.st_size) : 0;
  void* mapping = size_ >= 16 ? ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (mapping == MAP_FAILED) throw Error("cannot map teacher cache " + path + " (" + std::to_string(size_) + " bytes)");
  data_ = static_cast<const uint8_t*>(mapping);
  auto bad = [&](const std::string& why) {
    ::munmap(const_cast<uint8_t*>(data_), size_);
    return Error("teacher cache " + path + ": " + why + " (write it with `mmkd cache-teacher`)");
  };
  if (std::memcmp(data_, kMagic, 8) != 0) throw bad("not a teacher cache file");
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | data_[8 + i];
  if (16 + length > size_) throw bad("header longer than the file");
  const auto header = nlohmann::json::parse(data_ + 16, data_ + 16 + length, nullptr, false);
  if (header.is_discarded() || !header.contains("outputs")) throw bad("malformed header");
  samples_ = header.value("samples", int64_t{0});
  views_ = header.value("views", int64_t{0});
  seed_ = header.value("seed", uint64_t{0});
  for (const auto& entry : header["outputs"]) {
    CachedOutput output{entry.value("name", std::string()), torch::kFloat, entry.value("shape", std::vector<int64_t>{}),
                        entry.value("offset", uint64_t{0})};
    auto dtype = dtypes().find(entry.value("dtype", std::string()));
    if (dtype == dtypes().end()) throw bad("unknown dtype of `" + output.name + "`");
    output.dtype = dtype->second;
    if (output.offset + row_bytes(output) * static_cast<uint64_t>(samples_ * views_) > size_)
      throw bad("`" + output.name + "` reaches past the end of the file (truncated?)");
    outputs_.push_back(std::move(output));
  }
}

TeacherCache::~TeacherCache() { ::munmap(const_cast<uint8_t*>(data_), size_); }

torch::Tensor TeacherCache::get(const CachedOutput& output, int64_t sample, int64_t view) const {
  const uint64_t row = row_bytes(output);
  const void* at = data_ + output.offset + row * static_cast<uint64_t>(view * samples_ + sample);
  return torch::from_blob(const_cast<void*>(at), output.shape, torch::TensorOptions().dtype(output.dtype));
}

}  // namespace mmkd

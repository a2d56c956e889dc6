#include "io/stored_zip.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <cstdint>

namespace mmkd {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEndOfDirectory = 0x06054b50,
                   kZip64Locator = 0x07064b50, kZip64EndOfDirectory = 0x06064b50;
constexpr uint16_t kZip64ExtraField = 0x0001;
constexpr uint32_t kZip64Marker = 0xffffffff;
constexpr size_t kEndOfDirectorySize = 22, kZip64LocatorSize = 20, kCentralHeaderSize = 46, kLocalHeaderSize = 30;

class ZipBytes {
 public:
  ZipBytes(const std::string& path, std::string_view archive) : path_(path), archive_(archive) {}

  uint64_t read(uint64_t at, int width) const {
    require(at, uint64_t(width), "a header field");
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(archive_[at + i]);
    return value;
  }

  std::string_view slice(uint64_t at, uint64_t length, const std::string& what) const {
    require(at, length, what);
    return archive_.substr(at, length);
  }

  void expect_signature(uint64_t at, uint32_t signature, const std::string& what) const {
    if (read(at, 4) != signature) throw fail(fmt::format("no {} at byte {}", what, at));
  }

  Error fail(const std::string& what) const {
    return Error(fmt::format("{}: not a valid zip archive (truncated or corrupt?): {}", path_, what));
  }

  size_t size() const { return archive_.size(); }

 private:
  void require(uint64_t at, uint64_t length, const std::string& what) const {
    if (at > archive_.size() || length > archive_.size() - at)
      throw fail(fmt::format("{} at byte {} ({} bytes) lies past the end of the file ({} bytes)", what, at, length,
                             archive_.size()));
  }

  const std::string& path_;
  std::string_view archive_;
};

struct CentralDirectory {
  uint64_t entries = 0, offset = 0;
};

CentralDirectory find_central_directory(const ZipBytes& zip) {
  if (zip.size() < kEndOfDirectorySize) throw zip.fail("shorter than an end-of-central-directory record");
  const uint64_t lowest = zip.size() > kEndOfDirectorySize + 0xffff ? zip.size() - kEndOfDirectorySize - 0xffff : 0;
  for (uint64_t at = zip.size() - kEndOfDirectorySize + 1; at-- > lowest;) {
    if (zip.read(at, 4) != kEndOfDirectory) continue;
    CentralDirectory directory{zip.read(at + 10, 2), zip.read(at + 16, 4)};
    if (at >= kZip64LocatorSize && zip.read(at - kZip64LocatorSize, 4) == kZip64Locator) {
      const uint64_t record = zip.read(at - kZip64LocatorSize + 8, 8);
      zip.expect_signature(record, kZip64EndOfDirectory, "zip64 end-of-central-directory record");
      directory = {zip.read(record + 32, 8), zip.read(record + 48, 8)};
    }
    return directory;
  }
  throw zip.fail("no end-of-central-directory record");
}

// The zip64 extra field holds, in this order, those of the size, compressed size and local header
// offset that the header gives as 0xffffffff.
void apply_zip64_extra(const ZipBytes& zip, uint64_t extra, uint64_t extra_length, uint64_t compressed_size,
                       uint64_t& size, uint64_t& local_header) {
  for (uint64_t at = extra; at + 4 <= extra + extra_length;) {
    const uint64_t id = zip.read(at, 2), length = zip.read(at + 2, 2);
    if (id == kZip64ExtraField) {
      uint64_t field = at + 4;
      if (size == kZip64Marker) size = zip.read(field, 8), field += 8;
      if (compressed_size == kZip64Marker) field += 8;
      if (local_header == kZip64Marker) local_header = zip.read(field, 8);
      return;
    }
    at += 4 + length;
  }
}

}  // namespace

bool looks_like_zip(std::string_view bytes) { return bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4); }

std::map<std::string, std::string_view> read_stored_zip(const std::string& path, std::string_view archive) {
  const ZipBytes zip(path, archive);
  const CentralDirectory directory = find_central_directory(zip);
  std::map<std::string, std::string_view> members;
  uint64_t at = directory.offset;
  for (uint64_t i = 0; i < directory.entries; ++i) {
    zip.expect_signature(at, kCentralHeader, "central directory header");
    const uint64_t method = zip.read(at + 10, 2), name_length = zip.read(at + 28, 2),
                   extra_length = zip.read(at + 30, 2), comment_length = zip.read(at + 32, 2);
    const uint64_t compressed_size = zip.read(at + 20, 4);
    uint64_t size = zip.read(at + 24, 4), local_header = zip.read(at + 42, 4);
    const std::string name(zip.slice(at + kCentralHeaderSize, name_length, "an entry name"));
    if (method != 0)
      throw Error(fmt::format("{}: zip entry {} is compressed (method {}); torch.save stores entries uncompressed, "
                              "and so must an archive mmkd reads",
                              path, name, method));
    apply_zip64_extra(zip, at + kCentralHeaderSize + name_length, extra_length, compressed_size, size, local_header);
    zip.expect_signature(local_header, kLocalHeader, "local file header of " + name);
    const uint64_t data = local_header + kLocalHeaderSize + zip.read(local_header + 26, 2) + zip.read(local_header + 28, 2);
    members[name] = zip.slice(data, size, "the data of " + name);
    at += kCentralHeaderSize + name_length + extra_length + comment_length;
  }
  return members;
}

}  // namespace mmkd

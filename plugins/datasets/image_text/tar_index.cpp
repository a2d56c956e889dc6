#include "tar_index.hpp"

#include <mmkd/error.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace mmkd::image_text {

namespace {

constexpr uint64_t kBlock = 512;

uint64_t octal(const char* field, size_t length) {
  uint64_t value = 0;
  for (size_t i = 0; i < length && field[i] != '\0' && field[i] != ' '; ++i) {
    if (field[i] < '0' || field[i] > '7') throw DataError("a size field that is not octal");
    value = value * 8 + static_cast<uint64_t>(field[i] - '0');
  }
  return value;
}

std::string text_field(const char* field, size_t length) { return std::string(field, strnlen(field, length)); }

bool checksum_matches(const char* header) {
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
  return sum == octal(header + 148, 8);
}

// The `path` record of a pax extended header ("LEN path=VALUE\n" records).
std::string pax_path(const std::string& records) {
  for (size_t at = 0; at < records.size();) {
    const size_t space = records.find(' ', at);
    if (space == std::string::npos) break;
    const size_t length = std::stoul(records.substr(at, space - at));
    const std::string record = records.substr(space + 1, length - (space + 1 - at) - 1);
    if (record.rfind("path=", 0) == 0) return record.substr(5);
    at += length;
  }
  return "";
}

void add_member(std::vector<TarSample>& samples, const std::string& name, TarMember member) {
  const size_t slash = name.rfind('/');
  const size_t dot = name.find('.', slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos) return;
  const std::string key = name.substr(0, dot), extension = name.substr(dot + 1);
  if (samples.empty() || samples.back().key != key) samples.push_back({key, {}});
  samples.back().members[extension] = member;
}

}  // namespace

std::vector<TarSample> read_tar_index(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot read " + path);
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  std::vector<TarSample> samples;
  std::string long_name;
  char header[kBlock];
  uint64_t at = 0;
  for (; at + kBlock <= file_size;) {
    in.seekg(static_cast<std::streamoff>(at));
    in.read(header, kBlock);
    if (std::all_of(header, header + kBlock, [](char c) { return c == '\0'; })) return samples;  // end of archive
    try {
      if (!checksum_matches(header)) throw DataError("a header with a wrong checksum");
      const uint64_t size = octal(header + 124, 12), data = at + kBlock;
      if (data + size > file_size) throw DataError("a member that runs past the end of the file");
      const char type = header[156];
      std::string name = text_field(header + 345, 155);
      name = (name.empty() ? "" : name + "/") + text_field(header, 100);
      if (type == 'L' || type == 'x') {
        std::string payload(size, '\0');
        in.seekg(static_cast<std::streamoff>(data));
        in.read(payload.data(), static_cast<std::streamsize>(size));
        long_name = type == 'L' ? text_field(payload.data(), payload.size()) : pax_path(payload);
      } else {
        if (type == '0' || type == '\0') add_member(samples, long_name.empty() ? name : long_name, {data, size});
        long_name.clear();
      }
      at = data + (size + kBlock - 1) / kBlock * kBlock;
    } catch (const Error& e) {
      throw DataError(path + ": byte " + std::to_string(at) + ": " + e.what());
    }
  }
  if (at < file_size)
    throw DataError(path + ": byte " + std::to_string(at) + ": the file ends " + std::to_string(file_size - at) +
                " bytes into a member header (a truncated shard)");
  return samples;
}

std::string read_tar_member(const std::string& path, const TarMember& member) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(member.size, '\0');
  in.seekg(static_cast<std::streamoff>(member.offset));
  in.read(bytes.data(), static_cast<std::streamsize>(member.size));
  if (!in) throw DataError("cannot read " + std::to_string(member.size) + " bytes at " + std::to_string(member.offset) +
                       " of " + path);
  return bytes;
}

}  // namespace mmkd::image_text

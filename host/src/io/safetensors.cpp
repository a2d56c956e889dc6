#include <mmkd/error.hpp>
#include <mmkd/safetensors.hpp>

#include "io/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

namespace mmkd {

namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";

struct DtypeName {
  const char* name;
  torch::ScalarType dtype;
};

constexpr DtypeName kDtypes[] = {
    {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
};

std::string supported_dtype_names() {
  std::string names;
  for (const auto& d : kDtypes) names += (names.empty() ? "" : ", ") + std::string(d.name);
  return names;
}

const DtypeName* find_dtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeName* find_dtype(torch::ScalarType dtype) {
  for (const auto& d : kDtypes)
    if (dtype == d.dtype) return &d;
  return nullptr;
}

std::string list_keys(const std::vector<std::string>& keys) {
  constexpr size_t kShown = 10;
  std::string s;
  for (size_t i = 0; i < keys.size() && i < kShown; ++i) s += (i == 0 ? "" : ", ") + keys[i];
  if (keys.size() > kShown) s += ", ... (" + std::to_string(keys.size()) + " in all)";
  return keys.empty() ? "none" : s;
}

struct MappedFile {
  void* address = nullptr;
  size_t size = 0;
};

MappedFile map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open safetensors file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int fstat_errno = errno;
    ::close(fd);
    throw Error("cannot read size of safetensors file " + path + ": " + std::strerror(fstat_errno));
  }
  MappedFile file;
  file.size = static_cast<size_t>(st.st_size);
  if (file.size < 8) {
    ::close(fd);
    throw Error("safetensors file " + path + " is " + std::to_string(file.size) +
                " bytes, shorter than its 8-byte header length");
  }
  file.address = ::mmap(nullptr, file.size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mmap_errno = errno;
  ::close(fd);
  if (file.address == MAP_FAILED) throw Error("cannot map safetensors file " + path + ": " + std::strerror(mmap_errno));
  return file;
}

uint64_t read_u64_le(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

std::vector<int64_t> parse_shape(const std::string& path, const std::string& key, const json& shape) {
  auto bad = [&] { return Error("safetensors file " + path + ": tensor `" + key + "`: shape must be a list of non-negative integers"); };
  if (!shape.is_array()) throw bad();
  std::vector<int64_t> dims;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned() || dim.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) throw bad();
    dims.push_back(dim.get<int64_t>());
  }
  return dims;
}

uint64_t byte_length(const std::string& path, const std::string& key, const std::vector<int64_t>& shape,
                     torch::ScalarType dtype) {
  uint64_t bytes = c10::elementSize(dtype);
  for (int64_t dim : shape)
    if (__builtin_mul_overflow(bytes, uint64_t(dim), &bytes))
      throw Error("safetensors file " + path + ": tensor `" + key + "`: shape is too large");
  return bytes;
}

SafetensorsEntry parse_entry(const std::string& path, const std::string& key, const json& value, uint64_t data_size) {
  const std::string where = "safetensors file " + path + ": tensor `" + key + "`: ";
  if (!value.is_object()) throw Error(where + "expected an object with dtype, shape and data_offsets");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!value.contains(field)) throw Error(where + "missing `" + field + "`");

  const json& dtype_json = value["dtype"];
  if (!dtype_json.is_string()) throw Error(where + "dtype must be a string");
  const DtypeName* dtype = find_dtype(dtype_json.get<std::string>());
  if (dtype == nullptr)
    throw Error(where + "unknown dtype `" + dtype_json.get<std::string>() + "` (supported: " + supported_dtype_names() + ")");

  const json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    throw Error(where + "data_offsets must be a list of two non-negative integers");

  SafetensorsEntry entry;
  entry.dtype = dtype->dtype;
  entry.shape = parse_shape(path, key, value["shape"]);
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end)
    throw Error(where + "data_offsets begin " + std::to_string(entry.begin) + " is after end " + std::to_string(entry.end));
  if (entry.end > data_size)
    throw Error(where + "data_offsets end " + std::to_string(entry.end) + " is outside the data section of " +
                std::to_string(data_size) + " bytes");
  uint64_t expected = byte_length(path, key, entry.shape, entry.dtype);
  if (entry.end - entry.begin != expected)
    throw Error(where + "data_offsets span " + std::to_string(entry.end - entry.begin) + " bytes, but dtype " +
                dtype->name + " and its shape need " + std::to_string(expected));
  return entry;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const json& value) {
  auto bad = [&] { return Error("safetensors file " + path + ": __metadata__ must map strings to strings"); };
  if (!value.is_object()) throw bad();
  std::map<std::string, std::string> metadata;
  for (const auto& [name, text] : value.items()) {
    if (!text.is_string()) throw bad();
    metadata[name] = text.get<std::string>();
  }
  return metadata;
}

// As the reference implementation requires: sorted by offset, the tensors' bytes follow one
// another from the start of the data section to its end, without gaps, overlaps or trailing bytes.
void check_data_tiling(const std::string& path, const std::map<std::string, SafetensorsEntry>& entries,
                       uint64_t data_size) {
  std::vector<std::pair<uint64_t, std::string>> starts;
  for (const auto& [key, entry] : entries) starts.emplace_back(entry.begin, key);
  std::sort(starts.begin(), starts.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : entries.at(a.second).end < entries.at(b.second).end;
  });
  uint64_t expected = 0;
  for (const auto& [begin, key] : starts) {
    if (begin != expected)
      throw Error("safetensors file " + path + ": tensor `" + key + "` starts at data byte " + std::to_string(begin) +
                  ", expected " + std::to_string(expected) + " (" + (begin < expected ? "it overlaps" : "a gap follows") +
                  " the tensor before it); the data_offsets must tile the data section");
    expected = entries.at(key).end;
  }
  if (expected != data_size)
    throw Error("safetensors file " + path + ": " + std::to_string(data_size - expected) +
                " bytes follow the last tensor's data; the data_offsets must tile the data section");
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  MappedFile file = map_file(path);
  mapping_ = file.address;
  mapping_size_ = file.size;
  try {
    const auto* bytes = static_cast<const uint8_t*>(mapping_);
    uint64_t header_size = read_u64_le(bytes);
    if (header_size > kMaxHeaderBytes)
      throw Error("safetensors file " + path + ": header of " + std::to_string(header_size) +
                  " bytes is over the limit of " + std::to_string(kMaxHeaderBytes));
    if (header_size > mapping_size_ - 8)
      throw Error("safetensors file " + path + ": header of " + std::to_string(header_size) +
                  " bytes runs past the end of the " + std::to_string(mapping_size_) + "-byte file");

    json header;
    try {
      header = json::parse(bytes + 8, bytes + 8 + header_size);
    } catch (const json::exception& e) {  // a syntax error, or a number out of range (406)
      throw Error("safetensors file " + path + ": malformed JSON header: " + e.what());
    }
    if (!header.is_object()) throw Error("safetensors file " + path + ": header is not a JSON object");

    uint64_t data_size = mapping_size_ - 8 - header_size;
    for (const auto& [key, value] : header.items()) {
      if (key == kMetadataKey) metadata_ = parse_metadata(path, value);
      else entries_[key] = parse_entry(path, key, value, data_size);
    }
    check_data_tiling(path, entries_, data_size);
    data_ = bytes + 8 + header_size;
  } catch (...) {
    ::munmap(mapping_, mapping_size_);
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_size_);
}

std::vector<std::string> SafetensorsFile::keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, _] : entries_) keys.push_back(key);
  std::stable_sort(keys.begin(), keys.end(),
                   [&](const std::string& a, const std::string& b) { return entries_.at(a).begin < entries_.at(b).begin; });
  return keys;
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& key) const {
  auto it = entries_.find(key);
  if (it != entries_.end()) return it->second;
  std::vector<std::string> present = keys();
  std::string suggestion = closest_match(key, present);
  throw Error("safetensors file " + path_ + " has no tensor `" + key + "`" +
              (suggestion.empty() ? "" : " (did you mean `" + suggestion + "`?)") + "; tensors: " + list_keys(present));
}

torch::Tensor SafetensorsFile::tensor(const std::string& key) const {
  const SafetensorsEntry& e = entry(key);
  torch::Tensor tensor = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype));
  if (e.end > e.begin) std::memcpy(tensor.data_ptr(), data_ + e.begin, e.end - e.begin);
  return tensor;
}

TensorMap read_safetensors(const std::string& path) {
  SafetensorsFile file(path);
  TensorMap tensors;
  for (const auto& key : file.keys()) tensors[key] = file.tensor(key);
  return tensors;
}

void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> contiguous;
  json header = json::object();
  uint64_t offset = 0;
  for (const auto& [key, tensor] : tensors) {
    const std::string where = "cannot write " + path + ": tensor `" + key + "`";
    if (key == kMetadataKey) throw Error(where + ": the name is reserved for metadata");
    if (!tensor.defined()) throw Error(where + " is undefined");
    const DtypeName* dtype = find_dtype(tensor.scalar_type());
    if (dtype == nullptr)
      throw Error(where + " has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                  ", which safetensors files of mmkd do not support (supported: " + supported_dtype_names() + ")");
    torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
    uint64_t bytes = cpu.numel() * cpu.element_size();
    header[key] = {{"dtype", dtype->name}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(cpu));
  }
  if (!metadata.empty()) header[kMetadataKey] = metadata;

  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  char length_bytes[8];
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<char>((uint64_t(header_text.size()) >> (8 * i)) & 0xff);

  write_file_atomically(path, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(length_bytes, 8);
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const auto& tensor : contiguous)
      if (tensor.nbytes() > 0)
        out.write(static_cast<const char*>(tensor.data_ptr()), static_cast<std::streamsize>(tensor.nbytes()));
    out.close();
    if (!out) throw Error("cannot write safetensors file " + path);
  });
}

}  // namespace mmkd

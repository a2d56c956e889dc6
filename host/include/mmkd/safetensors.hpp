#pragma once
// Reader and writer of the safetensors format (8-byte little-endian header length, JSON
// header, raw little-endian data), as used by Hugging Face and timm checkpoints.
#include <mmkd/tensor_map.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mmkd {

struct SafetensorsEntry {
  torch::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets in the data section
};

// An opened file, memory-mapped; tensors are copied out on request. Throws mmkd::Error
// naming the file for: a header over 100 MB or longer than the file, malformed JSON, an
// unknown dtype, offsets outside the data section or not matching dtype and shape.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  std::vector<std::string> keys() const;  // in file order of offsets
  bool contains(const std::string& key) const { return entries_.count(key) > 0; }
  const SafetensorsEntry& entry(const std::string& key) const;  // throws naming the key
  torch::Tensor tensor(const std::string& key) const;           // a CPU tensor that owns its data
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::string path_;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
  const uint8_t* data_ = nullptr;  // start of the data section
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
};

TensorMap read_safetensors(const std::string& path);

// Writes atomically (temporary file, then rename). Tensors are moved to CPU and made
// contiguous; supported dtypes: float64/32/16, bfloat16, int64/32/16/8, uint8, bool.
void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace mmkd

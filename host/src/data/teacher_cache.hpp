#pragma once
// Cached teacher targets (as Fast Knowledge Distillation does): the frozen teachers'
// outputs for K fixed augmentations (views) of every training sample, written once by
// `mmkd cache-teacher` and memory-mapped by runs whose teacher nodes say `cached: PATH`.
// View v of sample i is the augmentation the loader draws in epoch v (seeds repeat every K
// epochs), so the student sees exactly the crop the teacher saw.
//
// File: "MMKDTC01", header length (u64, little-endian), JSON header {samples, views, seed,
// outputs: [{name, dtype, shape, offset}]}, then per output a [views, samples, *shape] block.
#include <mmkd/tensor_map.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mmkd {

struct CachedOutput {
  std::string name;  // tensor name, e.g. "teacher.cls"
  torch::ScalarType dtype = torch::kFloat;
  std::vector<int64_t> shape;  // of one sample
  uint64_t offset = 0;         // of the block, from the start of the file
};

class TeacherCacheWriter {
 public:
  // Writes to PATH.tmp, renamed to PATH by finish().
  TeacherCacheWriter(std::string path, int64_t samples, int64_t views, uint64_t seed, std::vector<CachedOutput> outputs);
  ~TeacherCacheWriter();
  TeacherCacheWriter(const TeacherCacheWriter&) = delete;
  TeacherCacheWriter& operator=(const TeacherCacheWriter&) = delete;

  // Rows first_sample.. of `view` for each output (tensors [B, *shape]).
  void put(int64_t view, int64_t first_sample, const TensorMap& outputs);
  void finish();

 private:
  std::string path_, temporary_;
  int64_t samples_, views_;
  std::vector<CachedOutput> outputs_;
  int fd_ = -1;
};

class TeacherCache {
 public:
  explicit TeacherCache(const std::string& path);  // throws mmkd::Error naming the file
  ~TeacherCache();
  TeacherCache(const TeacherCache&) = delete;
  TeacherCache& operator=(const TeacherCache&) = delete;

  const std::string& path() const { return path_; }
  int64_t samples() const { return samples_; }
  int64_t views() const { return views_; }
  uint64_t seed() const { return seed_; }
  const std::vector<CachedOutput>& outputs() const { return outputs_; }
  // The mapped rows themselves: read-only, valid while the cache lives (copy to keep them).
  torch::Tensor get(const CachedOutput& output, int64_t sample, int64_t view) const;

 private:
  std::string path_;
  int64_t samples_ = 0, views_ = 0;
  uint64_t seed_ = 0;
  std::vector<CachedOutput> outputs_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mmkd

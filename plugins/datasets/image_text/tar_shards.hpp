#pragma once
// Dataset `tar_shards`: image-text pairs in tar shards as img2dataset writes them (CC3M,
// CC12M): KEY.jpg with KEY.txt (or KEY.json), indexed from the tar headers at creation and
// read by offset; a shuffled epoch goes shard by shard (Dataset::shard_sizes).
#include <mmkd_image/image_pipeline.hpp>
#include "tar_index.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <mmkd/mmkd.hpp>

#include <atomic>

namespace mmkd::image_text {

// "dir/{00000..00002}.tar" -> dir/00000.tar, dir/00001.tar, dir/00002.tar (zero padding kept);
// a folder -> its *.tar files, sorted; anything else -> itself.
std::vector<std::string> expand_shards(const std::string& pattern);

class TarShardsDataset : public Dataset {
 public:
  static ComponentInfo info();
  TarShardsDataset(const Options& options, const Context& context);

  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  TensorMap get(int64_t index, uint64_t seed) const override;
  std::map<std::string, int64_t> counters() const override;
  std::vector<int64_t> shard_sizes() const override { return shard_sizes_; }

 private:
  struct Sample {
    int32_t shard;
    TarMember image, text;
  };
  TensorMap load(int64_t index, uint64_t seed) const;
  std::string caption(const Sample& sample) const;

  std::vector<std::string> shards_;
  std::vector<Sample> samples_;
  std::vector<int64_t> shard_sizes_;
  int64_t incomplete_ = 0;
  image::ImagePipeline pipeline_;
  text::WordpieceTokenizer tokenizer_;
  int64_t max_text_len_;
  std::string text_extension_, json_key_;
  bool skip_bad_;
  mutable std::atomic<int64_t> skipped_{0};
};

}  // namespace mmkd::image_text

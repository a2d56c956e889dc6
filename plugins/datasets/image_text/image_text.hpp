#pragma once
// Dataset `image_text`: image-text pairs (or images, or texts) listed in a JSON-lines index
// in the thesis' layout (Section 2.1.3.4); images decoded and augmented, texts tokenized.
#include <mmkd_image/image_pipeline.hpp>
#include "pair_index.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <mmkd/mmkd.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>

namespace mmkd::image_text {

class ImageTextDataset : public Dataset {
 public:
  static ComponentInfo info();
  ImageTextDataset(const Options& options, const Context& context);

  int64_t size() const override { return static_cast<int64_t>(records_.size()); }
  TensorMap get(int64_t index, uint64_t seed) const override;
  std::map<std::string, int64_t> counters() const override { return {{"skipped_images", skipped_.load()}}; }

 private:
  TensorMap load(int64_t index, uint64_t seed) const;
  image::ImageViews image(const PairRecord& record, uint64_t seed) const;

  std::vector<PairRecord> records_;
  std::filesystem::path root_;
  std::optional<image::ImagePipeline> pipeline_;            // when the index has images
  std::unique_ptr<text::WordpieceTokenizer> tokenizer_;     // when it has texts
  int64_t max_text_len_;
  bool skip_bad_;
  mutable std::atomic<int64_t> skipped_{0};
};

}  // namespace mmkd::image_text

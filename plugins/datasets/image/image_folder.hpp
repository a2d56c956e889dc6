#pragma once
// Dataset `image_folder`: ImageNet-style class folders, or a flat folder with a label file.
#include "image_folder_index.hpp"
#include <mmkd_image/image_pipeline.hpp>

#include <mmkd/mmkd.hpp>

#include <atomic>

namespace mmkd::image {

class ImageFolder : public Dataset {
 public:
  static ComponentInfo info();
  ImageFolder(const Options& options, const Context& context);

  int64_t size() const override { return static_cast<int64_t>(index_.files.size()); }
  TensorMap get(int64_t index, uint64_t seed) const override;

  // {"skipped_images": n}, logged by the host at every epoch end.
  std::map<std::string, int64_t> counters() const override { return {{"skipped_images", skipped()}}; }

  const std::vector<std::string>& classes() const { return index_.classes; }
  // Samples replaced by the next index because their file could not be read or decoded.
  int64_t skipped() const { return skipped_.load(); }

 private:
  ImageViews load(int64_t index, uint64_t seed) const;

  ImageIndex index_;
  std::string root_;
  ImagePipeline pipeline_;
  bool skip_bad_;
  mutable std::atomic<int64_t> skipped_{0};
};

}  // namespace mmkd::image

#pragma once
// Dataset `cifar`: CIFAR-10 and CIFAR-100 in their binary versions, held in memory.
#include <mmkd_image/image_pipeline.hpp>

#include <mmkd/mmkd.hpp>

namespace mmkd::image {

class Cifar : public Dataset {
 public:
  static ComponentInfo info();
  Cifar(const Options& options, const Context& context);

  int64_t size() const override { return count_; }
  TensorMap get(int64_t index, uint64_t seed) const override;

  int64_t num_classes() const { return num_classes_; }
  // Record `index` as stored: uint8 [32, 32, 3] RGB.
  torch::Tensor pixels(int64_t index) const;
  int64_t label(int64_t index) const;

 private:
  std::vector<uint8_t> records_;
  int64_t record_size_;   // 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine) label bytes + 3072 pixel bytes
  int64_t label_offset_;  // which label byte is the label
  int64_t num_classes_;
  int64_t count_ = 0;
  ImagePipeline pipeline_;
};

}  // namespace mmkd::image

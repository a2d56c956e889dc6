#pragma once
// Dataset `synthetic_shapes`: procedural images of one coloured shape with a caption.
#include "shape_scene.hpp"
#include "word_tokenizer.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <mmkd/mmkd.hpp>

namespace mmkd::synthetic_shapes {

class SyntheticShapes : public Dataset {
 public:
  static ComponentInfo info();
  SyntheticShapes(const Options& options, const Context& context);

  int64_t size() const override { return size_; }
  TensorMap get(int64_t index, uint64_t augmentation_seed) const override;

 private:
  int64_t size_;
  int64_t image_size_;
  uint64_t seed_;
  int64_t max_text_len_;
  double brightness_jitter_;
  std::string label_;
  WordTokenizer tokenizer_;
  std::shared_ptr<const text::WordpieceTokenizer> wordpiece_;  // with `vocab`

  EncodedText encode_caption(const std::string& caption) const;

  int64_t label_of(const ShapeScene& scene) const;
  float brightness(uint64_t augmentation_seed) const;
};

}  // namespace mmkd::synthetic_shapes

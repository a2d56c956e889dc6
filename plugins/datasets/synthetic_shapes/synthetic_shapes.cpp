#include "synthetic_shapes.hpp"

#include "shape_renderer.hpp"
#include "shape_scene.hpp"

#include <mmkd/config_path.hpp>

namespace mmkd::synthetic_shapes {

ComponentInfo SyntheticShapes::info() {
  return ComponentInfo("synthetic_shapes",
                       "Procedural images of one shape (colour, size, 3x3 grid position) on a dark background, "
                       "each with a caption describing it; sample i depends only on `seed` and i.")
      .option<int64_t>("size", 1024, "number of samples", positive())
      .option<int64_t>("image_size", 16, "image height and width in pixels", at_least(8))
      .option<int64_t>("seed", 0, "seed of the procedural content", at_least(0))
      .option<int64_t>("max_text_len", 12, "caption length in tokens, [CLS] and [SEP] included", at_least(2))
      .option<std::string>("vocab", "",
                           "BERT vocab.txt: captions become WordPiece ids of that vocabulary (to train a pretrained "
                           "BERT such as all-MiniLM-L6-v2); empty = the built-in word vocabulary")
      .output("image", "float [3, S, S]: (pixel - 0.08) / 0.25, about zero mean; shapes reach about +3.5")
      .output("text_ids", "int64 [T]: [CLS] caption words [SEP], padded with [PAD] (word or WordPiece ids)")
      .output("text_mask", "int64 [T]: 1 = token, 0 = padding")
      .output("index", "int64 scalar: the sample index")
      .output("image_id", "int64 scalar: the sample index again (one caption per image), as image-text sets write it")
      .option<double>("brightness_jitter", 0.0,
                      "augmentation: the image is multiplied by a factor drawn from [1 - j, 1 + j] with the "
                      "sample's augmentation seed (0 = none; the content stays fixed by `seed`)",
                      range(0, 1))
      .option<std::string>("label", "shape", "what `label` names: the shape (6 classes), colour (8), size (2) or "
                           "position (9 grid cells)", one_of({"shape", "colour", "size", "position"}))
      .output("label", "int64 scalar: the class of the attribute chosen by the `label` option");
}

SyntheticShapes::SyntheticShapes(const Options& options, const Context& context)
    : size_(options.get<int64_t>("size")),
      image_size_(options.get<int64_t>("image_size")),
      seed_(options.get<uint64_t>("seed")),
      max_text_len_(options.get<int64_t>("max_text_len")),
      brightness_jitter_(options.get<double>("brightness_jitter")),
      label_(options.get<std::string>("label")),
      tokenizer_(caption_words()) {
  const std::string vocab = options.get<std::string>("vocab");
  if (vocab.empty()) return;
  try {
    wordpiece_ = std::make_shared<text::WordpieceTokenizer>(config_path(vocab, context).string());
  } catch (const Error& e) {
    options.fail("vocab", e.what());
  }
}

EncodedText SyntheticShapes::encode_caption(const std::string& caption) const {
  if (!wordpiece_) return tokenizer_.encode(caption, max_text_len_);
  text::EncodedText pieces = wordpiece_->encode_single(caption, max_text_len_);
  return {std::move(pieces.ids), std::move(pieces.mask)};
}

float SyntheticShapes::brightness(uint64_t augmentation_seed) const {
  if (brightness_jitter_ == 0) return 1.0f;
  SampleRandom random(augmentation_seed);
  return static_cast<float>(random.uniform(1 - brightness_jitter_, 1 + brightness_jitter_));
}

int64_t SyntheticShapes::label_of(const ShapeScene& scene) const {
  if (label_ == "colour") return scene.colour;
  if (label_ == "size") return scene.size;
  if (label_ == "position") return scene.position;
  return scene.shape;
}

TensorMap SyntheticShapes::get(int64_t index, uint64_t augmentation_seed) const {
  if (index < 0 || index >= size_)
    throw Error("synthetic_shapes: index " + std::to_string(index) + " is outside [0, " + std::to_string(size_) + ")");
  SampleRandom random = SampleRandom::with_state(SampleRandom::mix(seed_) ^
                                                 SampleRandom::mix(static_cast<uint64_t>(index) + 0x632BE59BD9B4E019ULL));
  const ShapeScene scene = draw_scene(random);
  EncodedText text = encode_caption(caption(scene));
  return {
      {"image", render_scene(scene, image_size_, random) * brightness(augmentation_seed)},
      {"text_ids", torch::tensor(text.ids, torch::kLong)},
      {"text_mask", torch::tensor(text.mask, torch::kLong)},
      {"index", torch::scalar_tensor(index, torch::kLong)},
      {"image_id", torch::scalar_tensor(index, torch::kLong)},
      {"label", torch::scalar_tensor(label_of(scene), torch::kLong)},
  };
}

}  // namespace mmkd::synthetic_shapes

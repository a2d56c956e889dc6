#include "image_text.hpp"

#include <mmkd_image/bad_samples.hpp>
#include <mmkd_image/dataset_paths.hpp>

#include <mmkd/config_path.hpp>
#include "pair_options.hpp"

namespace mmkd::image_text {

ComponentInfo ImageTextDataset::info() {
  ComponentInfo info("image_text",
                     "Image-text pairs from a JSON-lines index (thesis Section 2.1.3.4): per line an id, an image path "
                     "and/or a text (caption string, word pieces or token ids)");
  info.required_option<std::string>("index", "the split's .jsonl file, relative to the experiment file")
      .option<std::string>("root", "", "folder the image paths are relative to; empty: the index's folder")
      .option<std::string>("vocab", "", "BERT vocab.txt for the texts; required when the index has texts")
      .option<std::string>("id_key", "id", "the index's key of the sample id")
      .option<std::string>("image_key", "image", "the index's key of the image path")
      .option<std::string>("text_key", "text", "the index's key of the text");
  declare_pair_options(info);
  info.output("image_id", "int64 scalar: the sample id; pairs with the same id show the same image")
      .output("index", "int64 scalar: the line of the sample in the index");
  image::declare_teacher_view(info);
  return info;
}

ImageTextDataset::ImageTextDataset(const Options& options, const Context& context)
    : max_text_len_(options.get<int64_t>("max_text_len")),
      skip_bad_(options.get<std::string>("on_bad_image") == "skip") {
  const auto index = config_path(options.get<std::string>("index"), context);
  if (!std::filesystem::exists(index)) options.fail("index", "no such file: " + index.string());
  try {
    records_ = read_pair_index(index.string(), {options.get<std::string>("id_key"), options.get<std::string>("image_key"),
                                                options.get<std::string>("text_key")});
  } catch (const Error& e) {
    options.fail("index", e.what());
  }
  if (records_.empty()) options.fail("index", "no samples in " + index.string());
  const std::string root = options.get<std::string>("root");
  root_ = image::canonical_folder(root.empty() ? index.parent_path() : config_path(root, context),
                                  "image_text: root");
  if (!records_.front().image.empty()) pipeline_.emplace(read_pair_pipeline_options(options));
  if (records_.front().has_text) {
    const std::string vocab = options.get<std::string>("vocab");
    if (vocab.empty()) options.fail("vocab", "the index has texts: give the BERT vocab.txt to tokenize them");
    try {
      tokenizer_ = std::make_unique<text::WordpieceTokenizer>(config_path(vocab, context).string());
    } catch (const Error& e) {
      options.fail("vocab", e.what());
    }
  }
  for (size_t i = 0; i < records_.size(); ++i) {
    const std::string line = index.string() + ":" + std::to_string(i + 1) + ": ";
    if (records_[i].image.empty() == static_cast<bool>(pipeline_) || records_[i].has_text != static_cast<bool>(tokenizer_))
      options.fail("index", line + "every line must have the fields the first line has (image and/or text)");
    const std::filesystem::path image(records_[i].image);
    if (!image.empty() && (image.is_absolute() || *image.lexically_normal().begin() == ".."))
      options.fail("index", line + "image path " + records_[i].image + " leaves the root; paths are relative to it");
  }
}

image::ImageViews ImageTextDataset::image(const PairRecord& record, uint64_t seed) const {
  const std::filesystem::path path = root_ / record.image;
  if (!image::resolves_inside(path, root_))
    throw DataError("image_text: image " + record.image + " resolves outside the root " + root_.string());
  const std::vector<uint8_t> bytes = image::read_file_bytes(path.string());
  SampleRandom random(seed);
  try {
    return pipeline_->views_encoded(bytes.data(), bytes.size(), random);
  } catch (const Error& e) {
    throw DataError("cannot decode " + path.string() + ": " + e.what());
  }
}

TensorMap ImageTextDataset::load(int64_t index, uint64_t seed) const {
  const PairRecord& record = records_[index];
  TensorMap sample{{"image_id", torch::scalar_tensor(record.id, torch::kLong)},
                   {"index", torch::scalar_tensor(index, torch::kLong)}};
  if (pipeline_) {
    image::ImageViews views = image(record, seed);
    sample["image"] = views.image;
    if (views.teacher.defined()) sample["image_teacher"] = views.teacher;
  }
  if (tokenizer_) {
    std::vector<int64_t> pieces = record.ids;
    for (const auto& piece : record.pieces) pieces.push_back(tokenizer_->piece_id(piece));
    text::EncodedText encoded = record.pieces.empty() && record.ids.empty()
                                    ? tokenizer_->encode_single(record.text, max_text_len_)
                                    : tokenizer_->encode_pieces(pieces, max_text_len_);
    sample["text_ids"] = torch::tensor(encoded.ids, torch::kLong);
    sample["text_mask"] = torch::tensor(encoded.mask, torch::kLong);
  }
  return sample;
}

TensorMap ImageTextDataset::get(int64_t index, uint64_t seed) const {
  return image::first_readable(index, size(), skip_bad_, skipped_, "image_text",
                               [&](int64_t i) { return load(i, seed); });
}

}  // namespace mmkd::image_text

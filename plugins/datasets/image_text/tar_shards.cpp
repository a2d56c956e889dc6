#include "tar_shards.hpp"

#include <mmkd_image/bad_samples.hpp>
#include <mmkd_image/dataset_paths.hpp>

#include <mmkd/config_path.hpp>
#include <mmkd/progress.hpp>
#include "pair_options.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>

namespace fs = std::filesystem;

namespace mmkd::image_text {

std::vector<std::string> expand_shards(const std::string& pattern) {
  static const std::regex braces(R"(\{(\d+)\.\.(\d+)\})");
  std::smatch match;
  if (std::regex_search(pattern, match, braces)) {
    const std::string first = match[1].str();
    const int64_t from = std::stoll(first), to = std::stoll(match[2].str());
    std::vector<std::string> files;
    for (int64_t i = from; i <= to; ++i) {
      std::string number = std::to_string(i);
      if (number.size() < first.size()) number.insert(0, first.size() - number.size(), '0');
      files.push_back(match.prefix().str() + number + match.suffix().str());
    }
    return files;
  }
  if (!fs::is_directory(pattern)) return {pattern};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(pattern))
    if (entry.path().extension() == ".tar") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

ComponentInfo TarShardsDataset::info() {
  ComponentInfo info("tar_shards",
                     "Image-text pairs in img2dataset/webdataset tar shards (KEY.jpg + KEY.txt or KEY.json), read by "
                     "offset, shuffled shard by shard");
  info.required_option<std::string>("shards", "a folder of .tar files, a brace pattern such as cc3m/{00000..00331}.tar, "
                                              "or one file; relative to the experiment file")
      .required_option<std::string>("vocab", "BERT vocab.txt for the captions")
      .option<std::vector<std::string>>("image_extensions", {"jpg", "jpeg", "png"}, "members read as the image")
      .option<std::string>("text_extension", "txt", "member holding the caption: txt (the text) or json",
                           one_of({"txt", "json"}))
      .option<std::string>("json_key", "caption", "with text_extension json: the caption's key");
  declare_pair_options(info);
  info.output("image_id", "int64 scalar: the sample's position over all shards (each pair has its own image)")
      .output("index", "int64 scalar: the same position");
  image::declare_teacher_view(info);
  return info;
}

namespace {
text::WordpieceTokenizer tokenizer_from(const Options& options, const Context& context) {
  try {
    return text::WordpieceTokenizer(config_path(options.get<std::string>("vocab"), context).string());
  } catch (const Error& e) {
    options.fail("vocab", e.what());
  }
}
}  // namespace

namespace {
std::string join_extensions(const std::vector<std::string>& extensions) {
  std::string joined;
  for (const auto& extension : extensions) joined += (joined.empty() ? "" : ", ") + extension;
  return joined;
}
}  // namespace

TarShardsDataset::TarShardsDataset(const Options& options, const Context& context)
    : pipeline_(read_pair_pipeline_options(options)),
      tokenizer_(tokenizer_from(options, context)),
      max_text_len_(options.get<int64_t>("max_text_len")),
      text_extension_(options.get<std::string>("text_extension")),
      json_key_(options.get<std::string>("json_key")),
      skip_bad_(options.get<std::string>("on_bad_image") == "skip") {
  shards_ = expand_shards(config_path(options.get<std::string>("shards"), context).string());
  const auto image_extensions = options.get<std::vector<std::string>>("image_extensions");
  for (const auto& shard : shards_)
    if (!fs::exists(shard)) options.fail("shards", "no such file: " + shard);
  CountProgress progress("index tar shards", static_cast<int64_t>(shards_.size()), "shards");
  for (size_t s = 0; s < shards_.size(); ++s) {
    int64_t in_shard = 0;
    try {
      for (const auto& sample : read_tar_index(shards_[s])) {
        auto text = sample.members.find(text_extension_);
        auto image = std::find_if(sample.members.begin(), sample.members.end(), [&](const auto& member) {
          return std::find(image_extensions.begin(), image_extensions.end(), member.first) != image_extensions.end();
        });
        if (text == sample.members.end() || image == sample.members.end()) {
          ++incomplete_;
          continue;
        }
        samples_.push_back({static_cast<int32_t>(s), image->second, text->second});
        ++in_shard;
      }
    } catch (const Error& e) {
      options.fail("shards", e.what());
    }
    shard_sizes_.push_back(in_shard);
    progress.advance();
  }
  progress.finish();
  if (samples_.empty())
    options.fail("shards", "no image-text pairs in " + std::to_string(shards_.size()) + " shards (first: " +
                               shards_.front() + "): " + std::to_string(incomplete_) +
                               " samples lack the `" + text_extension_ + "` member or an image (" +
                               join_extensions(image_extensions) + ")");
}

std::map<std::string, int64_t> TarShardsDataset::counters() const {
  return {{"skipped_images", skipped_.load()}, {"incomplete_samples", incomplete_}};
}

std::string TarShardsDataset::caption(const Sample& sample) const {
  std::string text = read_tar_member(shards_[sample.shard], sample.text);
  if (text_extension_ == "txt") return text;
  try {
    return nlohmann::json::parse(text).at(json_key_).get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(shards_[sample.shard] + ": a json member without a string `" + json_key_ + "`: " + e.what());
  }
}

TensorMap TarShardsDataset::load(int64_t index, uint64_t seed) const {
  const Sample& sample = samples_[index];
  const std::string bytes = read_tar_member(shards_[sample.shard], sample.image);
  SampleRandom random(seed);
  image::ImageViews views;
  try {
    views = pipeline_.views_encoded(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), random);
  } catch (const Error& e) {
    throw DataError("cannot decode the image at byte " + std::to_string(sample.image.offset) + " of " +
                shards_[sample.shard] + ": " + e.what());
  }
  text::EncodedText encoded = tokenizer_.encode_single(caption(sample), max_text_len_);
  TensorMap pair{{"image", views.image},
                 {"text_ids", torch::tensor(encoded.ids, torch::kLong)},
                 {"text_mask", torch::tensor(encoded.mask, torch::kLong)},
                 {"image_id", torch::scalar_tensor(index, torch::kLong)},
                 {"index", torch::scalar_tensor(index, torch::kLong)}};
  if (views.teacher.defined()) pair["image_teacher"] = views.teacher;
  return pair;
}

TensorMap TarShardsDataset::get(int64_t index, uint64_t seed) const {
  return image::first_readable(index, size(), skip_bad_, skipped_, "tar_shards",
                               [&](int64_t i) { return load(i, seed); });
}

}  // namespace mmkd::image_text

#include "expect_error.hpp"
#include <mmkd_image/image_encode.hpp>
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <cstdio>

namespace {

using mmkd::testing::TempDir;
using mmkd::testing::write_file;

// One tar member: a ustar header (GNU long-name member first when the name needs it) and the
// data padded to 512 bytes.
std::string tar_member(const std::string& name, const std::string& data, char type = '0') {
  std::string out;
  if (name.size() > 99 && type == '0') out = tar_member("././@LongLink", name + '\0', 'L');
  std::string header(512, '\0');
  header.replace(0, std::min<size_t>(name.size(), 99), name.substr(0, 99));
  std::snprintf(&header[100], 8, "%07o", 0644);
  std::snprintf(&header[124], 12, "%011o", static_cast<unsigned>(data.size()));
  std::snprintf(&header[136], 12, "%011o", 0u);
  header[156] = type;
  header.replace(257, 6, std::string("ustar\0", 6));
  header.replace(148, 8, "        ");
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(&header[148], 8, "%06o", sum);
  header[155] = ' ';
  return out + header + data + std::string((512 - data.size() % 512) % 512, '\0');
}

std::string png_bytes(const torch::Tensor& image) {
  auto bytes = mmkd::image::encode_png(image);
  return std::string(bytes.begin(), bytes.end());
}

struct Shards {
  TempDir dir;
  torch::Tensor red = torch::full({8, 8, 3}, 200, torch::kUInt8), dark = torch::full({8, 8, 3}, 20, torch::kUInt8);

  Shards() {
    write_file(dir.file("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\nred\ncircle\n##s\n");
    write_file(dir.file("00000.tar"), tar_member("000000000.jpg", png_bytes(red)) + tar_member("000000000.txt", "a red circle") +
                                          tar_member("000000001.jpg", png_bytes(dark)) + tar_member("000000001.txt", "circles") +
                                          tar_member("000000002.jpg", png_bytes(dark)) + std::string(1024, '\0'));
    const std::string long_key = "sub/" + std::string(120, 'k');
    write_file(dir.file("00001.tar"), tar_member(long_key + ".jpg", png_bytes(red)) + tar_member(long_key + ".txt", "red") +
                                          std::string(1024, '\0'));
  }
  std::shared_ptr<mmkd::Dataset> dataset(const std::string& extra = "") const {
    return mmkd::testing::make<mmkd::Kind::Dataset>(
        "tar_shards", "{shards: '" + dir.file("{00000..00001}.tar") + "', vocab: '" + dir.file("vocab.txt") +
                          "', image_size: 8, transform: eval, eval_resize: 0, mean: [0, 0, 0], std: [1, 1, 1], "
                          "max_text_len: 6" + extra + "}");
  }
};

TEST(TarShards, IndexesPairsAcrossShardsFromTheHeaders) {
  Shards shards;
  auto dataset = shards.dataset();
  ASSERT_EQ(dataset->size(), 3);
  EXPECT_EQ(dataset->shard_sizes(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(dataset->counters().at("incomplete_samples"), 1);  // 000000002.jpg has no caption
  mmkd::TensorMap first = dataset->get(0, 0), second = dataset->get(1, 0), long_name = dataset->get(2, 0);
  EXPECT_TRUE(torch::equal(first.at("text_ids"), torch::tensor({2, 4, 5, 6, 3, 0})));
  EXPECT_TRUE(torch::equal(second.at("text_ids"), torch::tensor({2, 6, 7, 3, 0, 0})));
  EXPECT_TRUE(torch::equal(long_name.at("text_ids"), torch::tensor({2, 5, 3, 0, 0, 0})));
  EXPECT_NEAR(first.at("image").mean().item<double>(), 200.0 / 255, 1e-5);
  EXPECT_NEAR(second.at("image").mean().item<double>(), 20.0 / 255, 1e-5);
  EXPECT_EQ(long_name.at("image_id").item<int64_t>(), 2);
}

TEST(TarShards, TeacherViewInEvalIsTheImage) {
  Shards shards;
  const mmkd::TensorMap pair = shards.dataset(", teacher_view: true")->get(0, 0);
  EXPECT_TRUE(torch::equal(pair.at("image_teacher"), pair.at("image")));
  EXPECT_FALSE(shards.dataset()->get(0, 0).count("image_teacher"));
}

TEST(TarShards, JsonCaptions) {
  TempDir dir;
  write_file(dir.file("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nred\n");
  write_file(dir.file("s.tar"), tar_member("a.png", png_bytes(torch::zeros({4, 4, 3}, torch::kUInt8))) +
                                    tar_member("a.json", R"({"caption": "red", "url": "x"})") + std::string(1024, '\0'));
  auto dataset = mmkd::testing::make<mmkd::Kind::Dataset>(
      "tar_shards", "{shards: '" + dir.file("s.tar") + "', vocab: '" + dir.file("vocab.txt") +
                        "', text_extension: json, image_size: 4, transform: eval, eval_resize: 0, max_text_len: 4}");
  EXPECT_TRUE(torch::equal(dataset->get(0, 0).at("text_ids"), torch::tensor({2, 4, 3, 0})));
}

TEST(TarShards, CorruptImagesAreSkippedAndCountedOrFail) {
  Shards shards;
  write_file(shards.dir.file("00001.tar"), tar_member("x.jpg", "not an image") + tar_member("x.txt", "red") +
                                               std::string(1024, '\0'));
  auto skipping = shards.dataset();
  EXPECT_EQ(skipping->get(2, 0).at("image_id").item<int64_t>(), 0);  // wrapped around to the next readable pair
  EXPECT_EQ(skipping->counters().at("skipped_images"), 1);
  mmkd::testing::expect_error_naming([&] { shards.dataset(", on_bad_image: fail")->get(2, 0); },
                                     {"cannot decode", "00001.tar"});
}

TEST(TarShards, TruncatedShardsAndMissingFilesAreConfigErrors) {
  Shards shards;
  const std::string whole = mmkd::testing::read_file(shards.dir.file("00000.tar"));
  write_file(shards.dir.file("00000.tar"), whole.substr(0, 520));  // inside the first member's data
  mmkd::testing::expect_error_naming([&] { shards.dataset(); }, {"shards", "00000.tar", "past the end"});
  write_file(shards.dir.file("00000.tar"), whole.substr(0, 512 * 4 + 100));  // inside the third member's header
  mmkd::testing::expect_error_naming([&] { shards.dataset(); },
                                     {"shards", "00000.tar", "byte 2048", "ends 100 bytes into a member header"});
  write_file(shards.dir.file("00000.tar"), "not a tar file");
  mmkd::testing::expect_error_naming([&] { shards.dataset(); }, {"00000.tar", "byte 0", "truncated shard"});
  write_file(shards.dir.file("00000.tar"), tar_member("000000000.jpg", "x") + std::string(1024, '\0'));
  write_file(shards.dir.file("00001.tar"), tar_member("000000000.txt", "x") + std::string(1024, '\0'));
  mmkd::testing::expect_error_naming([&] { shards.dataset(); },
                                     {"no image-text pairs in 2 shards", "00000.tar", "2 samples lack the `txt` member"});
  std::remove(shards.dir.file("00001.tar").c_str());
  mmkd::testing::expect_error_naming([&] { shards.dataset(); }, {"shards", "no such file", "00001.tar"});
}

}  // namespace

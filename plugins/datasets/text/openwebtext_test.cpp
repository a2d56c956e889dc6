#include "expect_error.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <string>
#include <vector>

using mmkd::testing::TempDir;
using Ids = std::vector<int64_t>;

namespace {

// Little-endian uint16, as numpy's tofile writes on x86.
std::string token_bytes(const std::vector<uint16_t>& tokens) {
  std::string bytes;
  for (uint16_t token : tokens) {
    bytes.push_back(static_cast<char>(token & 0xFF));
    bytes.push_back(static_cast<char>(token >> 8));
  }
  return bytes;
}

std::shared_ptr<mmkd::Dataset> make_dataset(const TempDir& dir, const std::string& options) {
  mmkd::Context context;
  context.config_dir = dir.path();
  return mmkd::testing::make<mmkd::Kind::Dataset>("openwebtext", options, context);
}

using mmkd::testing::ids_of;

TEST(OpenWebText, CutsNonOverlappingSlicesBetweenClsAndSep) {
  TempDir dir;
  mmkd::testing::write_file(dir.file("data/train.bin"),
                            token_bytes({7, 8, 9, 0x1234, 11, 12, 65535, 14, 15, 16, 17}));  // 11 tokens
  auto dataset = make_dataset(dir, "{path: data/train.bin, max_len: 5}");
  EXPECT_EQ(dataset->size(), 3);  // floor(11 / (5 - 2)); the last 2 tokens are not used
  mmkd::TensorMap first = dataset->get(0, 0), second = dataset->get(1, 7), last = dataset->get(2, 0);
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(ids_of(first.at("text_ids")), (Ids{101, 7, 8, 9, 102}));
  EXPECT_EQ(ids_of(second.at("text_ids")), (Ids{101, 0x1234, 11, 12, 102}));
  EXPECT_EQ(ids_of(last.at("text_ids")), (Ids{101, 65535, 14, 15, 102}));
  EXPECT_EQ(ids_of(first.at("text_mask")), (Ids{1, 1, 1, 1, 1}));
  EXPECT_EQ(first.at("text_ids").scalar_type(), torch::kLong);
  EXPECT_EQ(first.at("text_mask").scalar_type(), torch::kLong);
  EXPECT_THROW(dataset->get(3, 0), mmkd::Error);
  EXPECT_THROW(dataset->get(-1, 0), mmkd::Error);
}

TEST(OpenWebText, SpecialIdsAndDefaultLength) {
  TempDir dir;
  std::vector<uint16_t> tokens(400);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<uint16_t>(1000 + i);
  mmkd::testing::write_file(dir.file("val.bin"), token_bytes(tokens));
  auto dataset = make_dataset(dir, "{path: " + dir.file("val.bin") + "}");
  EXPECT_EQ(dataset->size(), 2);  // 400 / 194
  torch::Tensor ids = dataset->get(1, 0).at("text_ids");
  ASSERT_EQ(ids.size(0), 196);
  EXPECT_EQ(ids[0].item<int64_t>(), 101);
  EXPECT_EQ(ids[1].item<int64_t>(), 1194);
  EXPECT_EQ(ids[194].item<int64_t>(), 1387);
  EXPECT_EQ(ids[195].item<int64_t>(), 102);
  auto custom = make_dataset(dir, "{path: val.bin, max_len: 3, cls_id: 1, sep_id: 2}");
  EXPECT_EQ(custom->size(), 400);
  EXPECT_EQ(ids_of(custom->get(5, 0).at("text_ids")), (Ids{1, 1005, 2}));
}

TEST(OpenWebText, BadFilesFailAtThePathOption) {
  TempDir dir;
  mmkd::testing::expect_error_naming([&] { make_dataset(dir, "{path: missing.bin}"); },
                                     {"path", dir.file("missing.bin"), "No such file"});
  mmkd::testing::write_file(dir.file("odd.bin"), token_bytes({1, 2, 3}) + "x");
  EXPECT_THROW(make_dataset(dir, "{path: odd.bin}"), mmkd::ConfigError);
  mmkd::testing::expect_error_naming([&] { make_dataset(dir, "{path: odd.bin}"); },
                                     {"path", dir.file("odd.bin"), "7 bytes", "even size"});
  mmkd::testing::write_file(dir.file("short.bin"), token_bytes({1, 2, 3}));
  mmkd::testing::expect_error_naming([&] { make_dataset(dir, "{path: short.bin, max_len: 6}"); },
                                     {"path", dir.file("short.bin"), "3 tokens", "max_len - 2 = 4"});
  mmkd::testing::write_file(dir.file("empty.bin"), "");
  EXPECT_THROW(make_dataset(dir, "{path: empty.bin}"), mmkd::ConfigError);
  EXPECT_THROW(make_dataset(dir, "{path: short.bin, max_len: 2}"), mmkd::ConfigError);
}

}  // namespace

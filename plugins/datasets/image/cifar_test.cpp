#include "cifar.hpp"
#include "expect_error.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

namespace mi = mmkd::image;
using mmkd::testing::expect_error_naming;
using mmkd::testing::TempDir;

namespace {

const std::string identity = "transform: eval, image_size: 32, mean: [0, 0, 0], std: [1, 1, 1]";

// One record: label bytes, then the red, green and blue 32 x 32 planes; pixel (y, x) of
// plane c holds c * 50 + y + x.
std::string record(std::vector<uint8_t> labels) {
  std::string bytes(labels.begin(), labels.end());
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) bytes.push_back(static_cast<char>(c * 50 + y + x));
  return bytes;
}

mi::Cifar construct(const std::string& options) {
  return mi::Cifar(mmkd::testing::options_for(mmkd::Kind::Dataset, "cifar", options), {});
}

}  // namespace

TEST(Cifar, TenClassRecordsParse) {
  TempDir dir;
  mmkd::testing::write_file(dir.file("test_batch.bin"), record({3}) + record({7}));
  const mi::Cifar cifar = construct("{root: '" + dir.path() + "', split: test, " + identity + "}");
  ASSERT_EQ(cifar.size(), 2);
  EXPECT_EQ(cifar.num_classes(), 10);
  EXPECT_EQ(cifar.get(0, 0).at("label").item<int64_t>(), 3);
  EXPECT_EQ(cifar.get(1, 0).at("label").item<int64_t>(), 7);
  const torch::Tensor pixels = cifar.pixels(1);
  EXPECT_EQ(pixels[4][9][0].item<uint8_t>(), 13);
  EXPECT_EQ(pixels[4][9][2].item<uint8_t>(), 113);
  const torch::Tensor image = cifar.get(1, 0).at("image");
  ASSERT_EQ(image.sizes(), (std::vector<int64_t>{3, 32, 32}));
  EXPECT_FLOAT_EQ(image[1][5][2].item<float>(), (50 + 5 + 2) / 255.f);
}

TEST(Cifar, HundredClassRecordsHaveCoarseAndFineLabels) {
  TempDir dir;
  mmkd::testing::write_file(dir.file("train.bin"), record({4, 55}) + record({19, 99}));
  const std::string base = "{root: '" + dir.path() + "', variant: cifar100, " + identity;
  const mi::Cifar fine = construct(base + "}");
  EXPECT_EQ(fine.num_classes(), 100);
  EXPECT_EQ(fine.label(0), 55);
  EXPECT_EQ(fine.label(1), 99);
  const mi::Cifar coarse = construct(base + ", label: coarse}");
  EXPECT_EQ(coarse.label(1), 19);
  EXPECT_EQ(coarse.pixels(1)[0][0][1].item<uint8_t>(), 50);
}

TEST(Cifar, ResizedToTheRequestedSize) {
  TempDir dir;
  mmkd::testing::write_file(dir.file("test_batch.bin"), record({1}));
  const auto cifar = mmkd::testing::make<mmkd::Kind::Dataset>("cifar", "{root: '" + dir.path() + "', split: test, image_size: 48}");
  EXPECT_EQ(cifar->get(0, 5).at("image").sizes(), (std::vector<int64_t>{3, 48, 48}));
}

TEST(Cifar, TruncatedMissingAndMislabelledFilesAreErrors) {
  TempDir dir;
  mmkd::testing::write_file(dir.file("test_batch.bin"), record({1}) + std::string(100, '\0'));
  const std::string options = "{root: '" + dir.path() + "', split: test}";
  expect_error_naming([&] { construct(options); }, {dir.file("test_batch.bin"), "3173 bytes", "3073-byte records"});
  expect_error_naming([&] { construct("{root: '" + dir.path() + "'}"); }, {dir.file("data_batch_1.bin"), "CIFAR-10"});
  mmkd::testing::write_file(dir.file("test_batch.bin"), record({1}) + record({10}));
  expect_error_naming([&] { construct(options); }, {dir.file("test_batch.bin"), "record 1", "label 10"});
  expect_error_naming([&] { construct("{root: '" + dir.path() + "', label: coarse}"); }, {"label", "CIFAR-100"});
}

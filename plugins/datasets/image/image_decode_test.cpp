#include "expect_error.hpp"
#include <mmkd_image/image_decode.hpp>
#include <mmkd_image/image_encode.hpp>
#include "mmkd_testing.hpp"
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

namespace mi = mmkd::image;
using mmkd::testing::expect_error_naming;

namespace {

torch::Tensor decode(const std::vector<uint8_t>& bytes) { return mi::decode_image(bytes); }

using mmkd::testing::max_difference;

}  // namespace

TEST(ImageDecode, RgbPngRoundTripsExactly) {
  const torch::Tensor image = mi::testing::random_image(5, 7, 1);
  const torch::Tensor decoded = decode(mi::encode_png(image));
  EXPECT_EQ(decoded.sizes(), image.sizes());
  EXPECT_TRUE(torch::equal(decoded, image));
}

TEST(ImageDecode, GreyAlphaPaletteAndSixteenBitPngsBecomeRgb) {
  const torch::Tensor rgb = mi::testing::random_image(4, 6, 2);
  const torch::Tensor grey = rgb.narrow(2, 0, 1).contiguous();
  EXPECT_TRUE(torch::equal(decode(mi::encode_png(grey)), grey.expand({4, 6, 3})));
  const torch::Tensor grey_alpha = rgb.narrow(2, 0, 2).contiguous();
  EXPECT_TRUE(torch::equal(decode(mi::encode_png(grey_alpha)), grey.expand({4, 6, 3})));
  const torch::Tensor rgba = torch::cat({rgb, torch::full({4, 6, 1}, 7, torch::kUInt8)}, 2);
  EXPECT_TRUE(torch::equal(decode(mi::encode_png(rgba)), rgb));  // alpha dropped, not composited
  const torch::Tensor sixteen = rgb.to(torch::kInt) * 256 + 255;  // high byte = rgb
  EXPECT_TRUE(torch::equal(decode(mi::encode_png(sixteen)), rgb));

  const torch::Tensor palette = torch::tensor({10, 20, 30, 200, 100, 0, 5, 250, 128}, torch::kUInt8).view({3, 3});
  const torch::Tensor indices = torch::tensor({0, 1, 2, 2, 1, 0}, torch::kUInt8).view({2, 3});
  const torch::Tensor expected = palette.index_select(0, indices.flatten().to(torch::kLong)).view({2, 3, 3});
  EXPECT_TRUE(torch::equal(decode(mi::encode_png_palette(indices, palette)), expected));
}

TEST(ImageDecode, JpegRoundTripsWithinTolerance) {
  const torch::Tensor image = mi::testing::smooth_image(24, 32);
  const torch::Tensor decoded = decode(mi::encode_jpeg(image, 95));
  ASSERT_EQ(decoded.sizes(), image.sizes());
  EXPECT_LT(max_difference(decoded, image), 12);
  EXPECT_LT((decoded.to(torch::kFloat) - image.to(torch::kFloat)).abs().mean().item<double>(), 2);
}

TEST(ImageDecode, GreyAndCmykJpegsBecomeRgb) {
  const torch::Tensor image = mi::testing::smooth_image(16, 16);
  const torch::Tensor grey = image.narrow(2, 1, 1).contiguous();
  const torch::Tensor decoded_grey = decode(mi::encode_jpeg(grey, 95));
  EXPECT_TRUE(torch::equal(decoded_grey.select(2, 0), decoded_grey.select(2, 2)));
  EXPECT_LT(max_difference(decoded_grey.narrow(2, 0, 1), grey), 6);
  // Inverted (Adobe) CMYK samples with K = 0 stored as 255: the stored C, M, Y are R, G, B.
  const torch::Tensor cmyk = torch::cat({image, torch::full({16, 16, 1}, 255, torch::kUInt8)}, 2);
  const torch::Tensor decoded_cmyk = decode(mi::encode_jpeg(cmyk, 95));
  EXPECT_LT(max_difference(decoded_cmyk, image), 20);
  EXPECT_LT((decoded_cmyk.to(torch::kFloat) - image.to(torch::kFloat)).abs().mean().item<double>(), 3);
  // Stored (200, 100, 50, 128): R = 200 * 128 / 255 = 100.4, G = 50.2, B = 25.1.
  const torch::Tensor flat = torch::tensor({200, 100, 50, 128}, torch::kUInt8).view({1, 1, 4}).expand({8, 8, 4}).contiguous();
  const torch::Tensor expected = torch::tensor({100, 50, 25}, torch::kUInt8).view({1, 1, 3}).expand({8, 8, 3});
  EXPECT_LE(max_difference(decode(mi::encode_jpeg(flat, 95)), expected), 1);
}

TEST(ImageDecode, FormatAndSizeComeFromTheHeader) {
  const torch::Tensor image = mi::testing::smooth_image(12, 20);
  const auto jpeg = mi::encode_jpeg(image), png = mi::encode_png(image);
  EXPECT_EQ(mi::detect_format(jpeg.data(), jpeg.size()), mi::ImageFormat::Jpeg);
  EXPECT_EQ(mi::detect_format(png.data(), png.size()), mi::ImageFormat::Png);
  const uint8_t text[] = {'G', 'I', 'F', '8', '9', 'a', 0, 0};
  EXPECT_EQ(mi::detect_format(text, sizeof(text)), mi::ImageFormat::Unknown);
  for (const auto* bytes : {&jpeg, &png}) {
    const mi::ImageSize size = mi::read_image_size(bytes->data(), bytes->size());
    EXPECT_EQ(size.height, 12);
    EXPECT_EQ(size.width, 20);
  }
}

TEST(ImageDecode, ScaleIsTheSmallestPowerOfTwoKeepingTheMinimum) {
  const mi::ImageSize size{480, 640};
  auto denom = [&](int64_t h, int64_t w) {
    const mi::JpegScale scale = mi::jpeg_scale_for(size, {h, w});
    EXPECT_EQ(scale.num, 1);
    return scale.denom;
  };
  EXPECT_EQ(denom(0, 0), 8);
  EXPECT_EQ(denom(60, 80), 8);
  EXPECT_EQ(denom(61, 80), 4);
  EXPECT_EQ(denom(100, 100), 4);
  EXPECT_EQ(denom(121, 10), 2);
  EXPECT_EQ(denom(240, 320), 2);
  EXPECT_EQ(denom(240, 321), 1);
  EXPECT_EQ(denom(1000, 1000), 1);  // never upscaled
  EXPECT_EQ(mi::jpeg_scale_for({481, 641}, {61, 81}).denom, 8);  // 481 / 8 rounds up to 61
}

TEST(ImageDecode, ScaledJpegDecodeAveragesBlocks) {
  const torch::Tensor image = mi::testing::smooth_image(64, 96);
  const auto jpeg = mi::encode_jpeg(image, 95);
  const torch::Tensor quarter = mi::decode_image(jpeg.data(), jpeg.size(), {16, 20});
  ASSERT_EQ(quarter.sizes(), (std::vector<int64_t>{16, 24, 3}));
  const torch::Tensor block_means =
      torch::avg_pool2d(image.permute({2, 0, 1}).to(torch::kFloat).unsqueeze(0), 4).squeeze(0).permute({1, 2, 0});
  EXPECT_LT(max_difference(quarter, block_means), 12);
  EXPECT_EQ(mi::decode_image(jpeg.data(), jpeg.size(), {64, 96}).size(0), 64);
}

TEST(ImageDecode, CorruptDataIsAnErrorSayingWhat) {
  const auto jpeg = mi::encode_jpeg(mi::testing::smooth_image(16, 16));
  const std::vector<uint8_t> cut(jpeg.begin(), jpeg.begin() + 40);
  expect_error_naming([&] { decode(cut); }, {"corrupt JPEG"});
  std::vector<uint8_t> png = mi::encode_png(mi::testing::random_image(8, 8, 3));
  for (size_t i = 40; i < png.size() - 12; ++i) png[i] ^= 0x5A;  // IDAT scrambled, CRCs wrong
  expect_error_naming([&] { decode(png); }, {"corrupt PNG"});
  const std::vector<uint8_t> png_cut(png.begin(), png.begin() + 30);
  expect_error_naming([&] { decode(png_cut); }, {"corrupt PNG"});
  const std::vector<uint8_t> text{'h', 'e', 'l', 'l', 'o'};
  expect_error_naming([&] { decode(text); }, {"not a JPEG or PNG"});
  expect_error_naming([&] { mi::read_file_bytes("/nonexistent/x.jpg"); }, {"/nonexistent/x.jpg"});
  expect_error_naming([&] { mi::read_file_bytes("/tmp"); }, {"/tmp"});
}

// Found by fuzzing: a JPEG of a few hundred bytes whose header claims 65000 x 65000 pixels made
// the decoder allocate 12 GB. Headers over Pillow's decompression bomb limit are refused.
TEST(ImageDecode, HeadersClaimingTooManyPixelsAreRefusedBeforeDecoding) {
  std::vector<uint8_t> jpeg = mi::encode_jpeg(mi::testing::smooth_image(16, 16));
  size_t sof = 0;
  while (!(jpeg[sof] == 0xFF && (jpeg[sof + 1] == 0xC0 || jpeg[sof + 1] == 0xC2))) ++sof;
  for (size_t i : {sof + 5, sof + 7}) jpeg[i] = 0xFD, jpeg[i + 1] = 0xE8;  // height, width 65000
  expect_error_naming([&] { decode(jpeg); }, {"JPEG of 65000 x 65000 pixels, over the limit of 178956970"});
  std::vector<uint8_t> png = mi::encode_png(mi::testing::random_image(8, 8, 3));
  png[17] = png[21] = 0x01;  // IHDR width, height 65544
  expect_error_naming([&] { mi::read_image_size(png.data(), png.size()); }, {"PNG of 65544 x 65544 pixels"});
  for (size_t i = 16; i < 24; ++i) png[i] = 0xFF;  // 2^32 - 1 on each side: the product overflows int64
  expect_error_naming([&] { mi::read_image_size(png.data(), png.size()); }, {"PNG of 4294967295 x 4294967295 pixels"});
}


#include "expect_error.hpp"
#include <mmkd_image/image_encode.hpp>
#include <mmkd_image/jpeg_region.hpp>
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

namespace {

using namespace mmkd::image;

TEST(JpegRegion, EqualsTheSameRectangleOfAWholeDecode) {
  const std::vector<uint8_t> jpeg = encode_jpeg(mmkd::image::testing::smooth_image(200, 300, 4), 90);
  for (const JpegScale scale : {JpegScale{1, 1}, JpegScale{1, 2}, JpegScale{1, 4}}) {
    const ImageSize min_size{200 * scale.num / scale.denom, 300 * scale.num / scale.denom};
    const torch::Tensor whole = decode_image(jpeg.data(), jpeg.size(), min_size);
    const int64_t top = 9 * scale.num / scale.denom + 3, left = 37 * scale.num / scale.denom + 1;
    const JpegRegion region = decode_jpeg_region(jpeg.data(), jpeg.size(), scale, top, left, 20, 25);
    ASSERT_TRUE(region.pixels.defined());
    EXPECT_EQ(region.top, top);
    EXPECT_LE(region.left, left);
    EXPECT_EQ(region.pixels.size(0), 20);
    EXPECT_GE(region.left + region.pixels.size(1), left + 25);
    // Chroma upsampling has no left neighbour at a region's first column: it may differ there.
    const int64_t first = region.left > 0 ? 1 : 0, columns = region.pixels.size(1);
    const torch::Tensor expected = whole.slice(0, top, top + 20).slice(1, region.left + first, region.left + columns);
    EXPECT_TRUE(torch::equal(region.pixels.slice(1, first), expected)) << scale.num << "/" << scale.denom;
  }
}

TEST(JpegRegion, ClampsToTheImageAndLeavesCmykToTheWholeDecode) {
  const std::vector<uint8_t> jpeg = encode_jpeg(mmkd::image::testing::smooth_image(40, 60), 90);
  const JpegRegion region = decode_jpeg_region(jpeg.data(), jpeg.size(), {1, 1}, 30, 50, 20, 20);
  EXPECT_EQ(region.pixels.size(0), 10);
  EXPECT_EQ(region.left + region.pixels.size(1), 60);
  const std::vector<uint8_t> cmyk = encode_jpeg(torch::full({16, 16, 4}, 128, torch::kUInt8), 90);
  EXPECT_FALSE(decode_jpeg_region(cmyk.data(), cmyk.size(), {1, 1}, 0, 0, 8, 8).pixels.defined());
  std::vector<uint8_t> corrupt(jpeg.begin(), jpeg.begin() + 20);
  EXPECT_THROW(decode_jpeg_region(corrupt.data(), corrupt.size(), {1, 1}, 0, 0, 8, 8), mmkd::Error);
}

}  // namespace

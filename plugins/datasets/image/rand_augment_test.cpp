#include <mmkd_image/rand_augment.hpp>
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

namespace mi = mmkd::image;
using Op = mi::AugmentOp;

namespace {

torch::Tensor apply(const torch::Tensor& image, Op op, double magnitude) {
  return mi::apply_augment_op(image, op, magnitude);
}

torch::Tensor grey_of(const torch::Tensor& image) {  // torchvision's truncated luma
  const torch::Tensor f = image.to(torch::kFloat);
  return (0.2989f * f.select(2, 0) + 0.587f * f.select(2, 1) + 0.114f * f.select(2, 2)).to(torch::kUInt8);
}

}  // namespace

TEST(RandAugment, MagnitudesFollowTorchvision) {
  const mi::ImageSize size{100, 200};
  EXPECT_DOUBLE_EQ(mi::augment_magnitude(Op::ShearX, 9, 31, size), 0.3 * 9 / 30);
  EXPECT_DOUBLE_EQ(mi::augment_magnitude(Op::TranslateX, 9, 31, size), 150.0 / 331 * 200 * 9 / 30);
  EXPECT_DOUBLE_EQ(mi::augment_magnitude(Op::TranslateY, 9, 31, size), 150.0 / 331 * 100 * 9 / 30);
  EXPECT_DOUBLE_EQ(mi::augment_magnitude(Op::Rotate, 10, 31, size), 10);
  EXPECT_DOUBLE_EQ(mi::augment_magnitude(Op::Color, 30, 31, size), 0.9);
  EXPECT_EQ(mi::augment_magnitude(Op::Posterize, 9, 31, size), 7);   // 8 - round(1.2)
  EXPECT_EQ(mi::augment_magnitude(Op::Posterize, 15, 31, size), 6);  // 8 - round(2.0)
  EXPECT_EQ(mi::augment_magnitude(Op::Posterize, 30, 31, size), 4);
  EXPECT_DOUBLE_EQ(mi::augment_magnitude(Op::Solarize, 9, 31, size), 255 - 255.0 * 9 / 30);
  EXPECT_EQ(mi::augment_magnitude(Op::Equalize, 9, 31, size), 0);
  EXPECT_TRUE(mi::augment_signed(Op::Rotate));
  EXPECT_FALSE(mi::augment_signed(Op::Solarize));
}

TEST(RandAugment, GeometricOpsMovePixelsAsTorchvision) {
  const torch::Tensor image = mi::testing::random_image(6, 6, 1);
  using torch::indexing::Slice;
  const torch::Tensor moved = apply(image, Op::TranslateX, 2.7);  // int(2.7) = 2 pixels right
  EXPECT_TRUE(torch::equal(moved.index({Slice(), Slice(2)}), image.index({Slice(), Slice(0, 4)})));
  EXPECT_EQ(moved.index({Slice(), Slice(0, 2)}).sum().item<int64_t>(), 0);
  const torch::Tensor up = apply(image, Op::TranslateY, -1);
  EXPECT_TRUE(torch::equal(up.index({Slice(0, 5)}), image.index({Slice(1, 6)})));

  const torch::Tensor rotated = apply(image, Op::Rotate, 90);  // counter-clockwise: out[y][x] = in[x][n-1-y]
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 6; ++x) ASSERT_TRUE(torch::equal(rotated[y][x], image[x][5 - y])) << y << "," << x;

  const torch::Tensor sheared = apply(image, Op::ShearX, 0.5);  // input x = floor(x + 0.5 + 0.5 (y + 0.5))
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 6; ++x) {
      const auto sx = static_cast<int64_t>(std::floor(x + 0.5 + 0.5 * (y + 0.5)));
      ASSERT_TRUE(torch::equal(sheared[y][x], sx < 6 ? image[y][sx] : torch::zeros({3}, torch::kUInt8)));
    }
  const torch::Tensor sheared_y = apply(image, Op::ShearY, -0.5);
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 6; ++x) {
      const auto sy = static_cast<int64_t>(std::floor(y + 0.5 - 0.5 * (x + 0.5)));
      ASSERT_TRUE(torch::equal(sheared_y[y][x], sy >= 0 ? image[sy][x] : torch::zeros({3}, torch::kUInt8)));
    }
}

TEST(RandAugment, ColourOpsBlendAsTorchvision) {
  const torch::Tensor image = mi::testing::random_image(5, 7, 2);
  const torch::Tensor f = image.to(torch::kFloat);
  EXPECT_TRUE(torch::equal(apply(image, Op::Identity, 0), image));
  EXPECT_TRUE(torch::equal(apply(image, Op::Brightness, 0.5), (f * 1.5).clamp(0, 255).to(torch::kUInt8)));
  EXPECT_TRUE(torch::equal(apply(image, Op::Color, -1), grey_of(image).unsqueeze(2).expand({5, 7, 3})));
  const double mean = grey_of(image).to(torch::kDouble).mean().item<double>();
  EXPECT_TRUE(torch::equal(apply(image, Op::Contrast, -1), torch::full({5, 7, 3}, static_cast<int>(mean), torch::kUInt8)));
  EXPECT_TRUE(torch::equal(apply(image, Op::Sharpness, 0), image));
  const torch::Tensor smooth = apply(image, Op::Sharpness, -1);  // the 3x3 smoothing, border kept
  EXPECT_TRUE(torch::equal(smooth[0], image[0]));
  const double centre = (f.slice(0, 1, 4).slice(1, 2, 5).sum(torch::IntArrayRef{0, 1}) + 4 * f[2][3]).select(0, 1).item<double>() / 13;
  EXPECT_EQ(smooth[2][3][1].item<uint8_t>(), static_cast<uint8_t>(std::nearbyint(centre)));
}

TEST(RandAugment, ValueOpsMapEachSample) {
  const torch::Tensor image = mi::testing::random_image(4, 4, 3);
  EXPECT_TRUE(torch::equal(apply(image, Op::Posterize, 4), image.bitwise_and(0xF0)));
  EXPECT_TRUE(torch::equal(apply(image, Op::Solarize, 128), torch::where(image >= 128, 255 - image, image)));

  const torch::Tensor narrow = (image.to(torch::kFloat) / 255 * 100 + 50).to(torch::kUInt8);  // channels within [50, 150]
  const torch::Tensor stretched = apply(narrow, Op::AutoContrast, 0);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(stretched.select(2, c).min().item<uint8_t>(), 0);
    EXPECT_EQ(stretched.select(2, c).max().item<uint8_t>(), 255);
  }
  // 512 pixels, half 10 and half 20: step = 256 / 255 = 1, lut[10] = 0, lut[20] = min(256, 255).
  torch::Tensor two_levels = torch::full({16, 32, 3}, 10, torch::kUInt8);
  two_levels.slice(0, 8).fill_(20);
  const torch::Tensor equalized = apply(two_levels, Op::Equalize, 0);
  EXPECT_EQ(equalized[0][0][0].item<uint8_t>(), 0);
  EXPECT_EQ(equalized[15][0][2].item<uint8_t>(), 255);
}

TEST(RandAugment, SameSeedSameOpsAndZeroOpsIsIdentity) {
  const torch::Tensor image = mi::testing::random_image(12, 12, 4);
  const mi::RandAugmentSettings settings{3, 9, 31};
  mmkd::SampleRandom a(11), b(11);
  EXPECT_TRUE(torch::equal(mi::rand_augment(image, settings, a), mi::rand_augment(image, settings, b)));
  int changed = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    mmkd::SampleRandom random(seed);
    changed += !torch::equal(mi::rand_augment(image, settings, random), image);
  }
  EXPECT_GT(changed, 5);
  mmkd::SampleRandom random(0);
  EXPECT_TRUE(torch::equal(mi::rand_augment(image, {0, 9, 31}, random), image));
}

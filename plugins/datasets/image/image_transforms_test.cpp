#include <mmkd_image/bilinear_resample.hpp>
#include <mmkd_image/image_pipeline.hpp>
#include <mmkd_image/image_transforms.hpp>
#include "mmkd_testing.hpp"
#include <mmkd_image/random_erasing.hpp>
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <set>

namespace mi = mmkd::image;

namespace {

using mmkd::testing::max_difference;

}  // namespace

TEST(RandomResizedCrop, BoxesFitAndFollowScaleAndRatio) {
  const mi::ImageSize size{120, 160};
  std::set<std::vector<double>> distinct;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    mmkd::SampleRandom random(seed);
    const mi::CropBox box = mi::random_resized_crop_box(size, {0.3, 0.9}, {0.75, 4.0 / 3.0}, random);
    ASSERT_EQ(box.top, std::floor(box.top));
    ASSERT_GE(box.top, 0);
    ASSERT_GE(box.left, 0);
    ASSERT_LE(box.top + box.height, 120);
    ASSERT_LE(box.left + box.width, 160);
    const double area = box.height * box.width / (120.0 * 160.0);
    EXPECT_GE(area, 0.3 * 0.97);  // rounded sides
    EXPECT_LE(area, 0.9 * 1.03);
    EXPECT_GE(box.width / box.height, 0.75 * 0.97);
    EXPECT_LE(box.width / box.height, 4.0 / 3.0 * 1.03);
    distinct.insert({box.top, box.left, box.height, box.width});
  }
  EXPECT_GT(distinct.size(), 150u);
}

TEST(RandomResizedCrop, SameSeedSameBox) {
  mmkd::SampleRandom a(42), b(42), c(43);
  const mi::CropBox x = mi::random_resized_crop_box({100, 100}, {0.08, 1}, {0.75, 4.0 / 3.0}, a);
  const mi::CropBox y = mi::random_resized_crop_box({100, 100}, {0.08, 1}, {0.75, 4.0 / 3.0}, b);
  const mi::CropBox z = mi::random_resized_crop_box({100, 100}, {0.08, 1}, {0.75, 4.0 / 3.0}, c);
  EXPECT_EQ(std::vector<double>({x.top, x.left, x.height, x.width}), std::vector<double>({y.top, y.left, y.height, y.width}));
  EXPECT_NE(std::vector<double>({x.top, x.left, x.height, x.width}), std::vector<double>({z.top, z.left, z.height, z.width}));
}

TEST(RandomResizedCrop, FallsBackToTheCentreCropWithTheRatioClamped) {
  // Area fraction 1 of a 20 x 100 image needs a ratio of 5: no draw fits.
  mmkd::SampleRandom random(0);
  const mi::CropBox box = mi::random_resized_crop_box({20, 100}, {1, 1}, {0.75, 4.0 / 3.0}, random);
  EXPECT_EQ(box.height, 20);
  EXPECT_EQ(box.width, 27);  // round(20 * 4/3)
  EXPECT_EQ(box.top, 0);
  EXPECT_EQ(box.left, 36);  // (100 - 27) // 2
}

TEST(EvalCrop, ResizeShorterSideThenCentreCrop) {
  // 480 x 640 -> 256 x 341, crop at top round(16) = 16, left round(58.5) = 58 (ties to even).
  const mi::CropBox box = mi::center_crop_box({480, 640}, 256, 224);
  EXPECT_DOUBLE_EQ(box.top, 16 * 480.0 / 256);
  EXPECT_DOUBLE_EQ(box.left, 58 * 640.0 / 341);
  EXPECT_DOUBLE_EQ(box.height, 224 * 480.0 / 256);
  EXPECT_DOUBLE_EQ(box.width, 224 * 640.0 / 341);
  EXPECT_TRUE(box.resize_then_crop);
  const mi::CropBox tall = mi::center_crop_box({100, 50}, 10, 8);  // -> 20 x 10, crop top 6, left 1
  EXPECT_DOUBLE_EQ(tall.top, 6 * 5.0);
  EXPECT_DOUBLE_EQ(tall.left, 1 * 5.0);
  EXPECT_DOUBLE_EQ(tall.height, 40);
}

TEST(EvalCrop, PipelineOutputHasTheCropSize) {
  mi::PipelineSettings settings;
  settings.train = false;
  settings.image_size = 8;
  settings.eval_resize = 10;
  const mi::ImagePipeline pipeline(settings);
  mmkd::SampleRandom random(0);
  EXPECT_EQ(pipeline.transform(mi::testing::random_image(30, 50), random).sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_EQ(pipeline.transform(mi::testing::random_image(9, 6), random).sizes(), (std::vector<int64_t>{3, 8, 8}));
}

TEST(EvalCrop, WithoutTheCropTheWholeImageIsResizedToSxS) {
  mi::PipelineSettings settings;
  settings.train = false;
  settings.image_size = 8;
  settings.eval_resize = 8;
  settings.eval_crop = false;
  settings.normalization = {{0, 0, 0}, {1, 1, 1}};
  const torch::Tensor image = mi::testing::random_image(30, 50, 8);
  torch::Tensor expected = torch::empty({3, 8, 8});
  mi::bilinear_resample(image, {0, 0, 30, 50}, 8, 8, false, [&](int64_t y, const mi::Float4* row) {
    for (int64_t x = 0; x < 8; ++x)
      for (int64_t c = 0; c < 3; ++c) expected[c][y][x] = row[x][c] / 255;
  });
  mmkd::SampleRandom random(0);
  const torch::Tensor squashed = mi::ImagePipeline(settings).transform(image, random);
  EXPECT_LE(max_difference(squashed, expected), 1e-6);
  settings.eval_crop = true;
  EXPECT_GT(max_difference(mi::ImagePipeline(settings).transform(image, random), expected), 0.1);
}

TEST(ResizedCrop, CropThenResizeMatchesThePlainFilterOnTheCrop) {
  const torch::Tensor image = mi::testing::random_image(37, 45, 5);
  const std::vector<std::array<int64_t, 4>> boxes = {{3, 4, 30, 40}, {10, 12, 5, 6}, {0, 0, 37, 45}};  // down, up, all
  const mi::Normalization unit{{0, 0, 0}, {1, 1, 1}};
  for (const auto& b : boxes) {
    const torch::Tensor crop = image.slice(0, b[0], b[0] + b[2]).slice(1, b[1], b[1] + b[3]);
    const torch::Tensor expected = mi::testing::reference_resized_crop(crop, 0, 0, b[2], b[3], 8, 9);
    const mi::CropBox box{double(b[0]), double(b[1]), double(b[2]), double(b[3])};
    EXPECT_LE(max_difference(mi::resized_crop(image, box, 8, 9, false), expected), 0.5 + 1e-3) << b[0] << " " << b[1];
    const torch::Tensor floats = mi::resized_crop_normalized(image, box, 8, 9, false, unit);
    EXPECT_LE(max_difference(floats.permute({1, 2, 0}) * 255, expected), 1e-3);
  }
}

TEST(ResizedCrop, ResizeThenCropReadsAroundTheBox) {
  const torch::Tensor image = mi::testing::random_image(37, 45, 6);
  for (const mi::CropBox& box : {mi::CropBox{3, 4, 30, 40, true}, mi::CropBox{0.5, 1.25, 20.3, 17.7, true}}) {
    const torch::Tensor expected =
        mi::testing::reference_resized_crop(image, box.top, box.left, box.height, box.width, 8, 9);
    EXPECT_LE(max_difference(mi::resized_crop(image, box, 8, 9, false), expected), 0.5 + 1e-3) << box.top;
  }
  const mi::CropBox inside{3, 4, 30, 40, false};
  EXPECT_FALSE(torch::equal(mi::resized_crop(image, inside, 8, 9, false), mi::resized_crop(image, {3, 4, 30, 40, true}, 8, 9, false)));
}

TEST(ResizedCrop, WholeImageAtItsSizeIsTheIdentityAndConstantsStay) {
  const torch::Tensor image = mi::testing::random_image(6, 10, 7);
  EXPECT_TRUE(torch::equal(mi::resized_crop(image, {0, 0, 6, 10}, 6, 10, false), image));
  const torch::Tensor grey = torch::full({20, 30, 3}, 77, torch::kUInt8);
  EXPECT_TRUE(torch::equal(mi::resized_crop(grey, {1.5, 2, 17, 13}, 7, 5, true), torch::full({7, 5, 3}, 77, torch::kUInt8)));
}

TEST(ResizedCrop, FlipMirrorsTheOutput) {
  const torch::Tensor image = torch::arange(12, torch::kInt).to(torch::kUInt8).view({1, 4, 3});
  const torch::Tensor flipped = mi::horizontal_flip(image);
  EXPECT_TRUE(torch::equal(flipped[0][0], image[0][3]));
  EXPECT_TRUE(torch::equal(flipped[0][3], image[0][0]));
  const torch::Tensor big = mi::testing::random_image(20, 24, 9);
  const mi::CropBox box{2, 3, 15, 19};
  EXPECT_TRUE(torch::equal(mi::resized_crop(big, box, 7, 8, true), mi::horizontal_flip(mi::resized_crop(big, box, 7, 8, false))));
}

TEST(Normalize, SubtractsTheMeanAndDividesByTheStd) {
  const torch::Tensor image = torch::tensor({255, 0, 51}, torch::kUInt8).view({1, 1, 3});
  const mi::Normalization n{{0.5f, 0.25f, 0.2f}, {0.25f, 0.5f, 0.1f}};
  const torch::Tensor out = mi::normalize(image, n);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 1, 1}));
  EXPECT_NEAR(out[0][0][0].item<float>(), (1.0 - 0.5) / 0.25, 1e-5);
  EXPECT_NEAR(out[1][0][0].item<float>(), (0.0 - 0.25) / 0.5, 1e-5);
  EXPECT_NEAR(out[2][0][0].item<float>(), (0.2 - 0.2) / 0.1, 1e-5);
  const torch::Tensor big = mi::testing::random_image(5, 6, 3);
  EXPECT_LE(max_difference(mi::resized_crop_normalized(big, {0, 0, 5, 6}, 5, 6, false, n), mi::normalize(big, n)), 1e-5);
}

TEST(RandomErasing, ErasesOneBoxInsideTheImage) {
  mi::RandomErasingSettings settings;
  settings.probability = 1;
  settings.random_values = false;
  int erased = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    torch::Tensor image = torch::ones({3, 16, 20});
    mmkd::SampleRandom random(seed);
    const mi::CropBox box = mi::random_erasing(image, settings, random);
    if (box.height == 0) continue;
    ++erased;
    EXPECT_LE(box.top + box.height, 16);
    EXPECT_LE(box.left + box.width, 20);
    EXPECT_EQ((image == 0).sum().item<int64_t>(), static_cast<int64_t>(3 * box.height * box.width));
    using torch::indexing::Slice;
    EXPECT_EQ(image.index({Slice(), Slice(box.top, box.top + box.height), Slice(box.left, box.left + box.width)}).sum().item<float>(), 0);
    EXPECT_GE(box.height * box.width, 0.02 * 320 * 0.5);
    EXPECT_LE(box.height * box.width, 320.0 / 3 * 1.5);
  }
  EXPECT_GT(erased, 40);
  settings.probability = 0;
  torch::Tensor image = torch::ones({3, 16, 20});
  mmkd::SampleRandom random(0);
  EXPECT_EQ(mi::random_erasing(image, settings, random).height, 0);
  EXPECT_EQ(image.sum().item<float>(), 3 * 16 * 20);
}

TEST(ImagePipeline, TrainTransformIsDeterministicPerSeed) {
  mi::PipelineSettings settings;
  settings.image_size = 8;
  settings.rand_augment.num_ops = 2;
  settings.erasing.probability = 0.5;
  const mi::ImagePipeline pipeline(settings);
  const torch::Tensor image = mi::testing::random_image(20, 24, 1);
  mmkd::SampleRandom a(5), b(5), c(6);
  const torch::Tensor x = pipeline.transform(image, a);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_TRUE(torch::equal(x, pipeline.transform(image, b)));
  EXPECT_FALSE(torch::equal(x, pipeline.transform(image, c)));
}

#include <mmkd_image/color_jitter.hpp>
#include <mmkd_image/image_encode.hpp>
#include <mmkd_image/image_pipeline.hpp>
#include "mmkd_testing.hpp"
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

namespace mi = mmkd::image;

namespace {

mi::PipelineSettings with_teacher(bool train) {
  mi::PipelineSettings settings;
  settings.train = train;
  settings.image_size = 8;
  settings.eval_resize = 8;
  settings.crop_scale = {0.1, 0.2};
  settings.teacher.enabled = true;
  return settings;
}

}  // namespace

TEST(TeacherView, SameSeedSameViews) {
  mi::PipelineSettings settings = with_teacher(true);
  settings.rand_augment.num_ops = 2;
  const mi::ImagePipeline pipeline(settings);
  const torch::Tensor image = mi::testing::random_image(30, 40, 2);
  mmkd::SampleRandom a(5), b(5), c(6);
  const mi::ImageViews x = pipeline.views(image, a), y = pipeline.views(image, b), z = pipeline.views(image, c);
  ASSERT_EQ(x.teacher.sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_TRUE(torch::equal(x.image, y.image));
  EXPECT_TRUE(torch::equal(x.teacher, y.teacher));
  EXPECT_FALSE(torch::equal(x.teacher, z.teacher));
}

TEST(TeacherView, ItsOwnCropFlipAndColourJitterFromTheSampleRandom) {
  const mi::PipelineSettings settings = with_teacher(true);
  const mi::ImagePipeline pipeline(settings);
  const torch::Tensor image = mi::testing::smooth_image(30, 40, 3);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    mmkd::SampleRandom random(seed);
    const std::vector<mi::CropPlan> crops = pipeline.plans({30, 40}, random);
    ASSERT_EQ(crops.size(), 2u);
    EXPECT_LE(crops[0].box.height * crops[0].box.width / 1200, 0.2 * 1.1);  // crop_scale, sides rounded
    EXPECT_GE(crops[1].box.height * crops[1].box.width / 1200, 0.9 * 0.95);  // teacher_crop_scale
    const mi::ColorJitter jitter = mi::draw_color_jitter(0.4, random);  // the student draws nothing more
    const torch::Tensor teacher_crop = mi::resized_crop(image, crops[1].box, 8, 8, crops[1].flip);
    mmkd::SampleRandom same(seed);
    const mi::ImageViews views = pipeline.views(image, same);
    EXPECT_TRUE(torch::allclose(views.teacher, mi::normalize(mi::color_jitter(teacher_crop, jitter), settings.normalization)));
    EXPECT_TRUE(torch::allclose(
        views.image, mi::resized_crop_normalized(image, crops[0].box, 8, 8, crops[0].flip, settings.normalization)));
    EXPECT_GT(mmkd::testing::max_difference(views.teacher, views.image), 0.1);
  }
}

TEST(TeacherView, WithoutJitterItIsTheResizedCropOfItsBox) {
  mi::PipelineSettings settings = with_teacher(true);
  settings.teacher.color_jitter = 0;
  const mi::ImagePipeline pipeline(settings);
  const torch::Tensor image = mi::testing::random_image(30, 40, 4);
  mmkd::SampleRandom random(7), same(7);
  const std::vector<mi::CropPlan> crops = pipeline.plans({30, 40}, random);
  const torch::Tensor expected =
      mi::resized_crop_normalized(image, crops[1].box, 8, 8, crops[1].flip, settings.normalization);
  EXPECT_TRUE(torch::equal(pipeline.views(image, same).teacher, expected));
}

TEST(TeacherView, EvalGivesTheImageItself) {
  const mi::ImagePipeline pipeline(with_teacher(false));
  mmkd::SampleRandom random(1);
  const mi::ImageViews views = pipeline.views(mi::testing::random_image(30, 40, 5), random);
  ASSERT_TRUE(views.teacher.defined());
  EXPECT_TRUE(views.teacher.is_same(views.image));
}

TEST(TeacherView, OffByDefault) {
  mi::PipelineSettings settings = with_teacher(true);
  settings.teacher.enabled = false;
  const mi::ImagePipeline pipeline(settings);
  mmkd::SampleRandom random(1);
  EXPECT_FALSE(pipeline.views(mi::testing::random_image(30, 40, 5), random).teacher.defined());
  EXPECT_FALSE(mi::PipelineSettings{}.teacher.enabled);
}

TEST(TeacherView, EncodedImageDecodesOnceForBothCrops) {
  const mi::ImagePipeline pipeline(with_teacher(true));
  const torch::Tensor image = mi::testing::smooth_image(30, 40, 6);
  const std::vector<uint8_t> png = mi::encode_png(image);
  mmkd::SampleRandom a(9), b(9);
  const mi::ImageViews encoded = pipeline.views_encoded(png.data(), png.size(), a), decoded = pipeline.views(image, b);
  EXPECT_TRUE(torch::equal(encoded.image, decoded.image));
  EXPECT_TRUE(torch::equal(encoded.teacher, decoded.teacher));
}

TEST(TeacherView, JpegRegionCoversBothCrops) {
  mi::PipelineSettings settings = with_teacher(true);
  settings.image_size = 32;  // the student's box needs the JPEG at full scale
  const mi::ImagePipeline pipeline(settings);
  const std::vector<uint8_t> jpeg = mi::encode_jpeg(mi::testing::smooth_image(100, 150, 7), 95);
  const torch::Tensor whole = mi::decode_image(jpeg.data(), jpeg.size());
  for (uint64_t seed = 0; seed < 5; ++seed) {
    mmkd::SampleRandom a(seed), b(seed);
    const mi::ImageViews region = pipeline.views_encoded(jpeg.data(), jpeg.size(), a), decoded = pipeline.views(whole, b);
    EXPECT_LE(mmkd::testing::max_difference(region.image, decoded.image), 1e-5) << seed;
    EXPECT_LE(mmkd::testing::max_difference(region.teacher, decoded.teacher), 1e-5) << seed;
  }
}

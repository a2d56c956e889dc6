#include <mmkd_image/mix_batch.hpp>

#include <gtest/gtest.h>
#include <torch/types.h>

namespace mi = mmkd::image;

namespace {

// Sample i is the constant i + 1, so every pixel tells where it came from.
torch::Tensor constant_images(int64_t n) {
  return torch::arange(1, n + 1, torch::kFloat).view({n, 1, 1, 1}).expand({n, 3, 10, 12}).contiguous();
}

}  // namespace

TEST(MixBatch, SmoothedOneHot) {
  const torch::Tensor targets = mi::smoothed_one_hot(torch::tensor({2, 0}), 4, 0.1);
  EXPECT_TRUE(torch::allclose(targets, torch::tensor({0.025f, 0.025f, 0.925f, 0.025f, 0.925f, 0.025f, 0.025f, 0.025f}).view({2, 4})));
}

TEST(MixBatch, MixupBlendsImagesAndTargetsWithTheSameLambda) {
  const torch::Tensor images = constant_images(4), labels = torch::tensor({0, 1, 2, 3});
  const mi::MixedBatch mixed = mi::mix_batch(images, labels, 5, 0.8, 0, 0.1, mi::make_generator(3));
  EXPECT_FALSE(mixed.cutmix);
  EXPECT_GT(mixed.lambda, 0);
  EXPECT_LT(mixed.lambda, 1);
  const double lam = mixed.lambda;
  EXPECT_TRUE(torch::allclose(mixed.images, images * lam + images.flip(0) * (1 - lam)));
  const torch::Tensor one_hot = mi::smoothed_one_hot(labels, 5, 0.1);
  EXPECT_TRUE(torch::allclose(mixed.targets, one_hot * lam + one_hot.flip(0) * (1 - lam)));
  EXPECT_TRUE(torch::allclose(mixed.targets.sum(1), torch::ones({4})));
}

TEST(MixBatch, CutmixLambdaIsTheShareOfOwnPixels) {
  const torch::Tensor images = constant_images(4), labels = torch::tensor({3, 1, 0, 2});
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const mi::MixedBatch mixed = mi::mix_batch(images, labels, 4, 0, 1.0, 0.0, mi::make_generator(seed));
    ASSERT_TRUE(mixed.cutmix);
    const double own = (mixed.images[0] == 1).to(torch::kDouble).mean().item<double>();
    const double partner = (mixed.images[0] == 4).to(torch::kDouble).mean().item<double>();
    EXPECT_NEAR(own, mixed.lambda, 1e-9);
    EXPECT_NEAR(own + partner, 1, 1e-9);
    EXPECT_NEAR(mixed.targets[0][3].item<float>(), mixed.lambda, 1e-6);
    EXPECT_NEAR(mixed.targets[0][2].item<float>(), 1 - mixed.lambda, 1e-6);
    EXPECT_TRUE(torch::allclose(mixed.targets.sum(1), torch::ones({4})));
  }
}

TEST(MixBatch, BothAlphasSwitchAndTheSeedDecides) {
  const torch::Tensor images = constant_images(3), labels = torch::tensor({0, 1, 2});
  int cutmix = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) cutmix += mi::mix_batch(images, labels, 3, 0.8, 1.0, 0.1, mi::make_generator(seed)).cutmix;
  EXPECT_GT(cutmix, 8);
  EXPECT_LT(cutmix, 32);
  const mi::MixedBatch a = mi::mix_batch(images, labels, 3, 0.8, 1.0, 0.1, mi::make_generator(7));
  const mi::MixedBatch b = mi::mix_batch(images, labels, 3, 0.8, 1.0, 0.1, mi::make_generator(7));
  EXPECT_EQ(a.lambda, b.lambda);
  EXPECT_TRUE(torch::equal(a.images, b.images));
}

TEST(MixBatch, NoAlphaMeansNoMixing) {
  const torch::Tensor images = constant_images(2), labels = torch::tensor({1, 0});
  const mi::MixedBatch mixed = mi::mix_batch(images, labels, 2, 0, 0, 0.2, mi::make_generator(0));
  EXPECT_EQ(mixed.lambda, 1);
  EXPECT_TRUE(torch::equal(mixed.images, images));
  EXPECT_TRUE(torch::allclose(mixed.targets, mi::smoothed_one_hot(labels, 2, 0.2)));
}

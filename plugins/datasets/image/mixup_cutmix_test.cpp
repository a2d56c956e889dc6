#include "expect_error.hpp"
#include <mmkd_image/mix_batch.hpp>
#include "mixup_cutmix.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <string>

namespace mi = mmkd::image;

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Encoder> make_mixer(const std::string& options, uint64_t seed) {
  mmkd::Context context;
  context.seed = seed;
  return mmkd::testing::make<mmkd::Kind::Encoder>("mixup_cutmix", options, context);
}

int64_t step_of(const std::shared_ptr<mmkd::Encoder>& mixer) { return mixer->named_buffers()["step"].item<int64_t>(); }

torch::Tensor labels() { return torch::tensor({0, 3, 1, 2}); }

torch::Tensor images() {
  torch::manual_seed(0);
  return torch::rand({4, 3, 8, 8});
}

TEST(MixupCutmix, TrainingMixesLikeMixBatchWithTheStepsGenerator) {
  auto mixer = make_mixer("{num_classes: 5}", 11);  // Table 27 defaults
  const torch::Tensor x = images();
  int mixed_batches = 0;
  for (int64_t step = 0; step < 4; ++step) {
    const mmkd::TensorMap out = mixer->forward({{"image", x}, {"label", labels()}});
    const mi::MixedBatch expected = mi::mix_batch(x, labels(), 5, 0.8, 1.0, 0.1,
                                                  mi::make_generator(mi::MixupCutmix::generator_seed(11, 0, step)), 0.5, 0.9);
    EXPECT_TRUE(torch::equal(out.at("image"), expected.images)) << "step " << step;
    EXPECT_TRUE(torch::equal(out.at("target"), expected.targets)) << "step " << step;
    EXPECT_EQ(out.at("target").scalar_type(), torch::kFloat);
    EXPECT_EQ(step_of(mixer), step + 1);
    mixed_batches += !torch::equal(out.at("image"), x);
  }
  EXPECT_GT(mixed_batches, 0);
}

TEST(MixupCutmix, OptionsReachMixBatch) {
  auto mixer = make_mixer("{num_classes: 4, mixup_alpha: 0, cutmix_alpha: 2.0, prob: 1.0, label_smoothing: 0.0}", 3);
  const torch::Tensor x = images();
  const mmkd::TensorMap out = mixer->forward({{"image", x}, {"label", labels()}});
  const mi::MixedBatch expected =
      mi::mix_batch(x, labels(), 4, 0.0, 2.0, 0.0, mi::make_generator(mi::MixupCutmix::generator_seed(3, 0, 0)), 0.5, 1.0);
  ASSERT_TRUE(expected.cutmix);
  EXPECT_TRUE(torch::equal(out.at("image"), expected.images));
  EXPECT_TRUE(torch::equal(out.at("target"), expected.targets));
}

TEST(MixupCutmix, EvaluationPassesImagesThroughWithOneHotTargets) {
  auto mixer = make_mixer("{num_classes: 4}", 11);
  mixer->eval();
  const torch::Tensor x = images();
  const mmkd::TensorMap out = mixer->forward({{"image", x}, {"label", labels()}});
  EXPECT_TRUE(torch::equal(out.at("image"), x));
  EXPECT_TRUE(torch::equal(out.at("target"), torch::eye(4).index_select(0, labels())));
  EXPECT_EQ(step_of(mixer), 0);
}

TEST(MixupCutmix, SameSeedSameSequenceAndResumeContinuesIt) {
  auto a = make_mixer("{num_classes: 4}", 5), b = make_mixer("{num_classes: 4}", 5), other = make_mixer("{num_classes: 4}", 6);
  const torch::Tensor x = images();
  bool differs = false;
  for (int step = 0; step < 3; ++step) {
    const mmkd::TensorMap from_a = a->forward({{"image", x}, {"label", labels()}});
    const mmkd::TensorMap from_b = b->forward({{"image", x}, {"label", labels()}});
    EXPECT_TRUE(torch::equal(from_a.at("image"), from_b.at("image")));
    EXPECT_TRUE(torch::equal(from_a.at("target"), from_b.at("target")));
    differs = differs || !torch::equal(from_a.at("target"), other->forward({{"image", x}, {"label", labels()}}).at("target"));
  }
  EXPECT_TRUE(differs) << "another experiment seed drew the same three batches";

  auto resumed = make_mixer("{num_classes: 4}", 5);
  mmkd::testing::copy_state(*a, *resumed);  // as a checkpoint restore
  EXPECT_EQ(step_of(resumed), 3);
  EXPECT_TRUE(torch::equal(a->forward({{"image", x}, {"label", labels()}}).at("target"),
                           resumed->forward({{"image", x}, {"label", labels()}}).at("target")));
}

TEST(MixupCutmix, ErrorsNameThePortAndExpectedShape) {
  auto mixer = make_mixer("{num_classes: 4}", 0);
  const torch::Tensor x = images();
  expect_error_naming([&] { mixer->forward({{"image", x}, {"label", torch::tensor({0, 1})}}); },
                      {"`label`", "[B]", "B = 4", "[2]"});
  expect_error_naming([&] { mixer->forward({{"image", x}, {"label", torch::zeros({4})}}); }, {"`label`", "integer"});
  expect_error_naming([&] { mixer->forward({{"image", x}, {"label", torch::tensor({0, 1, 4, 2})}}); },
                      {"`label`", "[0, num_classes = 4)"});
  expect_error_naming([&] { mixer->forward({{"image", x[0]}, {"label", labels()}}); }, {"`image`", "[B, channels, H, W]"});
  expect_error_naming([&] { make_mixer("{mixup_alpha: 0.8}", 0); }, {"num_classes"});
  expect_error_naming([&] { make_mixer("{num_classes: 4, prob: 2}", 0); }, {"prob"});
}

}  // namespace

#include <mmkd_image/color_jitter.hpp>

#include <gtest/gtest.h>
#include <torch/types.h>

#include <set>

namespace mi = mmkd::image;
using Op = mi::AugmentOp;

namespace {

// Two pixels: (100, 50, 200) with grey int(82.04) = 82, (10, 20, 30) with grey int(18.149) = 18.
torch::Tensor two_pixels() { return torch::tensor({100, 50, 200, 10, 20, 30}, torch::kUInt8).view({1, 2, 3}); }

torch::Tensor pixels(std::vector<int> values) { return torch::tensor(values, torch::kInt).to(torch::kUInt8).view({1, 2, 3}); }

torch::Tensor adjust(Op op, double factor) {
  return mi::color_jitter(two_pixels(), {{{op, factor}, {Op::Brightness, 1}, {Op::Brightness, 1}}});
}

}  // namespace

TEST(ColorJitter, BrightnessBlendsWithBlackAndClamps) {
  EXPECT_TRUE(torch::equal(adjust(Op::Brightness, 1.5), pixels({150, 75, 255, 15, 30, 45})));  // 300 -> 255
  EXPECT_TRUE(torch::equal(adjust(Op::Brightness, 0.25), pixels({25, 12, 50, 2, 5, 7})));      // truncated
}

TEST(ColorJitter, ContrastBlendsWithTheMeanOfTheGreyImage) {
  // mean grey (82 + 18) / 2 = 50: 0.5 v + 25
  EXPECT_TRUE(torch::equal(adjust(Op::Contrast, 0.5), pixels({75, 50, 125, 30, 35, 40})));
  // 2 v - 50, clamped to [0, 255]
  EXPECT_TRUE(torch::equal(adjust(Op::Contrast, 2), pixels({150, 50, 255, 0, 0, 10})));
}

TEST(ColorJitter, SaturationBlendsWithEachPixelsGrey) {
  // 0.5 v + 0.5 grey: grey 82 for the first pixel, 18 for the second
  EXPECT_TRUE(torch::equal(adjust(Op::Color, 0.5), pixels({91, 66, 141, 14, 19, 24})));
  // 0.3 v + 0.7 grey: 0.3 * 10 + 12.6 = 15.6 -> 15
  EXPECT_TRUE(torch::equal(adjust(Op::Color, 0.3), pixels({87, 72, 117, 15, 18, 21})));
  EXPECT_TRUE(torch::equal(adjust(Op::Color, 0), pixels({82, 82, 82, 18, 18, 18})));
}

TEST(ColorJitter, AdjustmentsApplyInTheirOrder) {
  // Brightness 1.5 -> (150, 75, 255), (15, 30, 45), greys 117 and 27, mean 72 -> 0.5 v + 36
  const mi::ColorJitter brighter_first{{{Op::Brightness, 1.5}, {Op::Contrast, 0.5}, {Op::Color, 1}}};
  EXPECT_TRUE(torch::equal(mi::color_jitter(two_pixels(), brighter_first), pixels({111, 73, 163, 43, 51, 58})));
  // Contrast 0.5 -> (75, 50, 125), (30, 35, 40) -> 1.5 v
  const mi::ColorJitter contrast_first{{{Op::Contrast, 0.5}, {Op::Color, 1}, {Op::Brightness, 1.5}}};
  EXPECT_TRUE(torch::equal(mi::color_jitter(two_pixels(), contrast_first), pixels({112, 75, 187, 45, 52, 60})));
}

TEST(ColorJitter, DrawsEachAdjustmentOnceInARandomOrderWithFactorsInRange) {
  std::set<std::vector<int>> orders;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    mmkd::SampleRandom random(seed);
    const mi::ColorJitter jitter = mi::draw_color_jitter(0.4, random);
    std::vector<int> order;
    for (const auto& adjustment : jitter) {
      order.push_back(static_cast<int>(adjustment.op));
      EXPECT_GE(adjustment.factor, 0.6);
      EXPECT_LE(adjustment.factor, 1.4);
    }
    EXPECT_EQ(std::set<int>(order.begin(), order.end()),
              (std::set<int>{static_cast<int>(Op::Brightness), static_cast<int>(Op::Contrast), static_cast<int>(Op::Color)}));
    orders.insert(order);
  }
  EXPECT_EQ(orders.size(), 6u);
  mmkd::SampleRandom strong(1);
  for (const auto& adjustment : mi::draw_color_jitter(1.5, strong)) EXPECT_GE(adjustment.factor, 0);  // [max(0, -0.5), 2.5]
  mmkd::SampleRandom a(3), b(3);
  const mi::ColorJitter x = mi::draw_color_jitter(0.4, a), y = mi::draw_color_jitter(0.4, b);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(x[i].op, y[i].op);
    EXPECT_EQ(x[i].factor, y[i].factor);
  }
}

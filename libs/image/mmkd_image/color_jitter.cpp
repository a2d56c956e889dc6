#include <mmkd_image/color_jitter.hpp>

#include <algorithm>
#include <utility>

namespace mmkd::image {

ColorJitter draw_color_jitter(double strength, SampleRandom& random) {
  ColorJitter jitter{{{AugmentOp::Brightness, 1}, {AugmentOp::Contrast, 1}, {AugmentOp::Color, 1}}};
  for (size_t i = jitter.size() - 1; i > 0; --i)  // Fisher-Yates
    std::swap(jitter[i], jitter[static_cast<size_t>(random.integer(0, static_cast<int64_t>(i) + 1))]);
  for (auto& adjustment : jitter) adjustment.factor = random.uniform(std::max(0.0, 1 - strength), 1 + strength);
  return jitter;
}

torch::Tensor color_jitter(const torch::Tensor& image, const ColorJitter& jitter) {
  torch::Tensor out = image;
  for (const auto& adjustment : jitter) out = apply_augment_op(out, adjustment.op, adjustment.factor - 1);
  return out;
}

}  // namespace mmkd::image

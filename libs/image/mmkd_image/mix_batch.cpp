#include <mmkd_image/mix_batch.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <algorithm>
#include <cmath>

namespace mmkd::image {

namespace {

double uniform(at::Generator& generator) {
  return torch::rand({1}, generator, torch::kDouble).item<double>();
}

int64_t integer(int64_t high, at::Generator& generator) {  // [0, high)
  return torch::randint(high, {1}, generator, torch::kLong).item<int64_t>();
}

// Beta(alpha, alpha) as G1 / (G1 + G2) with G ~ Gamma(alpha, 1).
double beta(double alpha, at::Generator& generator) {
  const torch::Tensor gamma = at::_standard_gamma(torch::full({2}, alpha, torch::kDouble), generator);
  const double g1 = gamma[0].item<double>(), g2 = gamma[1].item<double>();
  return g1 / (g1 + g2);
}

}  // namespace

torch::Tensor smoothed_one_hot(const torch::Tensor& labels, int64_t num_classes, double smoothing) {
  const double off = smoothing / static_cast<double>(num_classes);
  torch::Tensor targets = torch::full({labels.size(0), num_classes}, off, torch::kFloat);
  return targets.scatter_(1, labels.to(torch::kLong).view({-1, 1}), 1.0 - smoothing + off);
}

MixedBatch mix_batch(const torch::Tensor& images, const torch::Tensor& labels, int64_t num_classes, double mixup_alpha,
                     double cutmix_alpha, double label_smoothing, at::Generator generator, double switch_prob,
                     double mix_prob) {
  TORCH_CHECK(images.dim() == 4 && labels.dim() == 1 && labels.size(0) == images.size(0),
              "mix_batch expects images [N, C, H, W] and labels [N]");
  MixedBatch mixed;
  const bool mix = uniform(generator) < mix_prob && (mixup_alpha > 0 || cutmix_alpha > 0);
  if (mix) {
    mixed.cutmix = cutmix_alpha > 0 && (mixup_alpha <= 0 || uniform(generator) < switch_prob);
    mixed.lambda = beta(mixed.cutmix ? cutmix_alpha : mixup_alpha, generator);
  }
  const torch::Tensor partner = images.flip(0);
  if (!mix) {
    mixed.images = images.clone();
  } else if (mixed.cutmix) {
    const int64_t height = images.size(2), width = images.size(3);
    const double ratio = std::sqrt(1 - mixed.lambda);
    const auto cut_h = static_cast<int64_t>(static_cast<double>(height) * ratio);
    const auto cut_w = static_cast<int64_t>(static_cast<double>(width) * ratio);
    const int64_t cy = integer(height, generator), cx = integer(width, generator);
    const int64_t y0 = std::clamp<int64_t>(cy - cut_h / 2, 0, height), y1 = std::clamp<int64_t>(cy + cut_h / 2, 0, height);
    const int64_t x0 = std::clamp<int64_t>(cx - cut_w / 2, 0, width), x1 = std::clamp<int64_t>(cx + cut_w / 2, 0, width);
    mixed.images = images.clone();
    using torch::indexing::Slice;
    mixed.images.index_put_({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)},
                            partner.index({Slice(), Slice(), Slice(y0, y1), Slice(x0, x1)}));
    mixed.lambda = 1 - static_cast<double>((y1 - y0) * (x1 - x0)) / static_cast<double>(height * width);
  } else {
    mixed.images = images * mixed.lambda + partner * (1 - mixed.lambda);
  }
  const torch::Tensor targets = smoothed_one_hot(labels, num_classes, label_smoothing);
  mixed.targets = targets * mixed.lambda + targets.flip(0) * (1 - mixed.lambda);
  return mixed;
}

at::Generator make_generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

}  // namespace mmkd::image

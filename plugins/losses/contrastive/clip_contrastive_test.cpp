#include "contrastive_math.hpp"
#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "rank_equivalence.hpp"
#include "reference_loops.hpp"
#include "thread_ranks.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using mmkd::testing::expect_error_naming;
using mmkd::testing::expect_ranks_match_one_process;

std::shared_ptr<mmkd::Loss> make_loss(const std::string& options = "{}") {
  return mmkd::testing::make<mmkd::Kind::Loss>("clip_contrastive", options);
}

// Eq. 27-29 written as loops over the batch, in double.
double loop_loss(const torch::Tensor& image, const torch::Tensor& text, double scale) {
  const int64_t batch = image.size(0), dim = image.size(1);
  auto row = [&](const torch::Tensor& m, int64_t i) {
    std::vector<double> v(dim);
    double norm = 0;
    for (int64_t d = 0; d < dim; ++d) norm += std::pow(v[d] = m[i][d].item<double>(), 2);
    for (double& e : v) e /= std::sqrt(norm);
    return v;
  };
  std::vector<std::vector<double>> L(batch, std::vector<double>(batch));
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < batch; ++j) {
      std::vector<double> a = row(image, i), b = row(text, j);
      for (int64_t d = 0; d < dim; ++d) L[i][j] += scale * a[d] * b[d];
    }
  double i2t = 0, t2i = 0;
  for (int64_t i = 0; i < batch; ++i) {
    double row_sum = 0, column_sum = 0;
    for (int64_t k = 0; k < batch; ++k) row_sum += std::exp(L[i][k]), column_sum += std::exp(L[k][i]);
    i2t += -std::log(std::exp(L[i][i]) / row_sum) / batch;
    t2i += -std::log(std::exp(L[i][i]) / column_sum) / batch;
  }
  return (i2t + t2i) / 2;
}

TEST(ClipContrastive, LossMatchesLoopImplementation) {
  torch::manual_seed(0);
  torch::Tensor image = torch::randn({5, 4}), text = torch::randn({5, 4});
  auto loss = make_loss("{init_temperature: 0.1}");
  mmkd::LossOutput out = loss->compute({{"image", image}, {"text", text}});
  EXPECT_NEAR(out.loss.item<double>(), loop_loss(image, text, 10.0), 1e-5);
  const reference::Rows images = reference::unit_rows(image), texts = reference::unit_rows(text);
  EXPECT_NEAR(out.metrics.at("i2t_loss").item<double>(), reference::info_nce(images, texts, 10.0), 1e-5);
  EXPECT_NEAR(out.metrics.at("t2i_loss").item<double>(), reference::info_nce(texts, images, 10.0), 1e-5);
}

TEST(ClipContrastive, IdenticalFeaturesGiveLogB) {
  auto loss = make_loss();
  torch::Tensor same = torch::ones({6, 3});
  EXPECT_NEAR(loss->compute({{"image", same}, {"text", same}}).loss.item<double>(), std::log(6.0), 1e-6);
}

TEST(ClipContrastive, AccuracyOnHandCase) {
  // Images are one-hot, so text t's best image is its largest coordinate and image i's best
  // text is the text with the largest cosine in coordinate i.
  torch::Tensor image = torch::eye(3);
  torch::Tensor text = torch::tensor({1.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.9}).reshape({3, 3});
  mmkd::LossOutput out = make_loss()->compute({{"image", image}, {"text", text}});
  EXPECT_NEAR(out.metrics.at("i2t_acc").item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(out.metrics.at("t2i_acc").item<double>(), 2.0 / 3.0, 1e-6);
  EXPECT_FALSE(out.metrics.at("i2t_acc").requires_grad());
}

TEST(ClipContrastive, LogitScaleStartsAtLogInverseTemperature) {
  auto loss = make_loss("{init_temperature: 0.07}");
  torch::Tensor logit_scale = loss->named_parameters()["logit_scale"];
  EXPECT_EQ(logit_scale.dim(), 0);
  EXPECT_TRUE(logit_scale.requires_grad());
  EXPECT_NEAR(logit_scale.item<double>(), std::log(1 / 0.07), 1e-6);
  torch::Tensor features = torch::randn({4, 8});
  EXPECT_NEAR(loss->compute({{"image", features}, {"text", features}}).metrics.at("temperature").item<double>(), 0.07,
              1e-6);
}

TEST(ClipContrastive, FixedTemperatureIsNotTrained) {
  auto loss = make_loss("{init_temperature: 0.5, learn_temperature: false}");
  EXPECT_FALSE(loss->named_parameters()["logit_scale"].requires_grad());
}

TEST(ClipContrastive, ScaleIsClampedAtMaxLogitScale) {
  torch::manual_seed(1);
  torch::Tensor image = torch::randn({4, 8}), text = torch::randn({4, 8});
  auto loss = make_loss("{init_temperature: 0.001, max_logit_scale: 50}");
  mmkd::LossOutput out = loss->compute({{"image", image}, {"text", text}});
  EXPECT_NEAR(out.metrics.at("temperature").item<double>(), 1.0 / 50, 1e-7);
  EXPECT_NEAR(out.loss.item<double>(), loop_loss(image, text, 50.0), 1e-4);
  out.loss.backward();
  EXPECT_EQ(loss->named_parameters()["logit_scale"].grad().item<double>(), 0.0);
}

TEST(ClipContrastive, RejectsMismatchedFeatures) {
  auto loss = make_loss();
  expect_error_naming([&] { loss->compute({{"image", torch::randn({4, 8})}, {"text", torch::randn({3, 8})}}); },
                      {"clip_contrastive", "`image` [4, 8]", "`text` [3, 8]", "[B, D]"});
  expect_error_naming([&] { loss->compute({{"image", torch::randn({4, 8, 2})}, {"text", torch::randn({4, 8, 2})}}); },
                      {"`image` [4, 8, 2]"});
  EXPECT_THROW(loss->compute({{"image", torch::randn({4, 8})}}), mmkd::Error);
  EXPECT_THROW(make_loss("{init_temperature: 0}"), mmkd::ConfigError);
}

TEST(ClipContrastive, CoreFunctionsFollowTheEquations) {
  namespace cc = mmkd::contrastive;
  torch::Tensor image = torch::tensor({3.0, 4.0, 0.0, 2.0}).reshape({2, 2});
  torch::Tensor text = torch::tensor({1.0, 0.0, 0.0, 5.0}).reshape({2, 2});
  torch::Tensor logits = cc::similarity_logits(image, text, torch::tensor(2.0));
  torch::Tensor expected = torch::tensor({2 * 0.6, 2 * 0.8, 0.0, 2.0}).reshape({2, 2});
  EXPECT_TRUE(torch::allclose(logits, expected));
  EXPECT_TRUE(torch::allclose(cc::similarity_logits(text, image, torch::tensor(2.0)), expected.t()));
  EXPECT_NEAR(mmkd::top1_accuracy(logits, torch::tensor({0, 1}, torch::kLong)).item<double>(), 0.5, 1e-7);

  // Eq. 27-29 on logits [[0, ln 3], [0, 0]] with labels {1, 0}: -ln(3/4) and -ln(1/2).
  torch::Tensor first = torch::tensor({0.0, std::log(3.0), 0.0, 0.0}).reshape({2, 2});
  torch::Tensor labels = torch::tensor({1, 0}, torch::kLong);
  cc::TwoSidedLoss parts = cc::two_sided_cross_entropy(first, torch::zeros({2, 2}), labels);
  EXPECT_NEAR(parts.first.item<double>(), (-std::log(0.75) + std::log(2.0)) / 2, 1e-6);
  EXPECT_NEAR(parts.second.item<double>(), std::log(2.0), 1e-6);
  EXPECT_NEAR(parts.loss.item<double>(), (parts.first.item<double>() + parts.second.item<double>()) / 2, 1e-7);
}

TEST(ClipContrastive, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(2);
  auto loss = make_loss("{init_temperature: 0.2}");
  loss->to(torch::kDouble);
  torch::Tensor image = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  torch::Tensor text = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  torch::Tensor logit_scale = loss->named_parameters()["logit_scale"];
  auto f = [&] { return loss->compute({{"image", image}, {"text", text}}).loss; };
  mmkd::testing::expect_gradients_match_finite_differences(
      f, {{"image", image}, {"text", text}, {"logit_scale", logit_scale}}, 1e-5, 1e-7);
}

// Rank r's loss is the mean over its B rows of the global batch, so the single-process loss is
// the ranks' mean and the gradient of each rank's loss, summed over ranks through the gather,
// is W times the single-process gradient (DDP's average then gives back the latter).
TEST(ClipContrastive, RanksOnSlicesMatchOneProcessOnTheBatch) {
  torch::manual_seed(3);
  for (int world : {2, 3}) {
    std::vector<mmkd::TensorMap> steps = {
        {{"image", torch::randn({2 * world, 3}, torch::kDouble)}, {"text", torch::randn({2 * world, 3}, torch::kDouble)}}};
    expect_ranks_match_one_process("clip_contrastive", "{init_temperature: 0.3}", steps, {"image", "text"}, world);
  }
}

TEST(ClipContrastive, RankLossesUseTheGlobalBatch) {
  torch::manual_seed(4);
  torch::Tensor image = torch::randn({4, 3}, torch::kDouble), text = torch::randn({4, 3}, torch::kDouble);
  std::vector<double> losses(2), scales(2);
  mmkd::testing::run_ranks(2, [&](const mmkd::Context& context) {
    auto loss = mmkd::testing::make<mmkd::Kind::Loss>("clip_contrastive", "{init_temperature: 0.5}", context);
    loss->to(torch::kDouble);
    const int64_t first = 2 * context.rank;
    mmkd::LossOutput out = loss->compute({{"image", image.narrow(0, first, 2)}, {"text", text.narrow(0, first, 2)}});
    losses[context.rank] = out.loss.item<double>();
    scales[context.rank] = 1 / out.metrics.at("temperature").item<double>();
  });
  const reference::Rows images = reference::unit_rows(image), texts = reference::unit_rows(text);
  for (size_t rank = 0; rank < 2; ++rank) {
    const reference::Rows local_images(images.begin() + 2 * rank, images.begin() + 2 * rank + 2);
    const reference::Rows local_texts(texts.begin() + 2 * rank, texts.begin() + 2 * rank + 2);
    EXPECT_NEAR(scales[rank], 2.0, 1e-6);
    const double expected = (reference::info_nce(local_images, texts, scales[rank], 2 * rank) +
                             reference::info_nce(local_texts, images, scales[rank], 2 * rank)) / 2;
    EXPECT_NEAR(losses[rank], expected, 1e-12) << "rank " << rank;
  }
}

TEST(ClipContrastive, Bfloat16FeaturesGiveAFloat32Loss) {
  torch::manual_seed(5);
  torch::Tensor image = torch::randn({4, 8}), text = torch::randn({4, 8});
  mmkd::LossOutput out = make_loss()->compute({{"image", image.to(torch::kBFloat16)}, {"text", text.to(torch::kBFloat16)}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(out.loss.item<double>(), loop_loss(image.to(torch::kBFloat16).to(torch::kFloat), text.to(torch::kBFloat16).to(torch::kFloat), 1 / 0.07), 1e-3);
}

}  // namespace

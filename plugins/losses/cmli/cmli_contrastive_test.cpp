#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mmkd/mmkd.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "late_interaction.hpp"
#include "mmkd_testing.hpp"

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Loss> make_cmli_contrastive(const std::string& options = "{}") {
  return mmkd::testing::make<mmkd::Kind::Loss>("cmli_contrastive", options);
}

// Image 0 has patches a = (1, 0), b = (0, 1); image 1 has c = (0.6, 0.8), d = (-1, 0).
// Caption 0 is the word u = (1, 0); caption 1 the words v = (0, 1), w = (1, 1). [I_CLS], [CLS], [EOS]
// and padding carry values that would change every similarity if they took part.
struct ContrastiveHandCase {
  torch::Tensor image = torch::tensor({{{5.0, 5.0}, {1.0, 0.0}, {0.0, 1.0}}, {{5.0, 5.0}, {0.6, 0.8}, {-1.0, 0.0}}});
  torch::Tensor text = torch::tensor(
      {{{-4.0, 1.0}, {1.0, 0.0}, {-4.0, 1.0}, {3.0, 3.0}}, {{-4.0, 1.0}, {0.0, 1.0}, {1.0, 1.0}, {-4.0, 1.0}}});
  torch::Tensor text_mask = torch::tensor({{1, 1, 1, 0}, {1, 1, 1, 1}}, torch::kLong);
  mmkd::TensorMap inputs() const { return {{"image", image}, {"text", text}, {"text_mask", text_mask}}; }
};

// By hand, with r = cos(a, w) = cos(b, w) = 1 / sqrt(2) and cw = cos(c, w) = 1.4 r; cos(d, w) = -r.
// i2t[i][j] averages each patch's best word: (0, 0) = (1 + 0) / 2, (0, 1) = (r + 1) / 2,
// (1, 0) = (0.6 - 1) / 2, (1, 1) = (max(0.8, cw) + max(0, -r)) / 2.
// t2i[i][j] averages each word's best patch: (0, 0) = 1, (0, 1) = (1 + r) / 2, (1, 0) = max(0.6, -1),
// (1, 1) = (max(0.8, 0) + max(cw, -r)) / 2.
const double r = 1 / std::sqrt(2.0);
const double cw = 1.4 * r;
const std::vector<std::vector<double>> hand_i2t = {{0.5, (r + 1) / 2}, {-0.2, (cw + 0) / 2}};
const std::vector<std::vector<double>> hand_t2i = {{1.0, (1 + r) / 2}, {0.6, (0.8 + cw) / 2}};

TEST(CmliContrastive, LateInteractionHandCase) {
  const ContrastiveHandCase hand;
  const torch::Tensor all_patches = torch::ones({2, 2}, torch::kBool);
  const torch::Tensor words = torch::tensor({{0, 1, 0, 0}, {0, 1, 1, 0}}, torch::kBool);
  const mmkd::cmli::LateInteraction s =
      mmkd::cmli::late_interaction(hand.image.slice(1, 1), all_patches, hand.text, words);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(s.i2t[i][j].item<double>(), hand_i2t[i][j], 1e-6) << i << "," << j;
      EXPECT_NEAR(s.t2i[i][j].item<double>(), hand_t2i[i][j], 1e-6) << i << "," << j;
    }
}

double cross_entropy(const std::vector<std::vector<double>>& logits) {
  double total = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    double sum = 0;
    for (double l : logits[i]) sum += std::exp(l);
    total += -std::log(std::exp(logits[i][i]) / sum) / logits.size();
  }
  return total;
}

std::vector<std::vector<double>> transposed(const std::vector<std::vector<double>>& m) {
  std::vector<std::vector<double>> t(m[0].size(), std::vector<double>(m.size()));
  for (size_t i = 0; i < m.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j) t[j][i] = m[i][j];
  return t;
}

TEST(CmliContrastive, LossAndAccuracyOnHandCase) {
  const mmkd::LossOutput out = make_cmli_contrastive("{init_temperature: 1.0}")->compute(ContrastiveHandCase().inputs());
  EXPECT_NEAR(out.loss.item<double>(), (cross_entropy(hand_i2t) + cross_entropy(transposed(hand_t2i))) / 2, 1e-6);
  // Images: row 0 prefers caption 1 (wrong), row 1 caption 1 (right). Captions: both prefer their image.
  EXPECT_NEAR(out.metrics.at("i2t_acc").item<double>(), 0.5, 1e-7);
  EXPECT_NEAR(out.metrics.at("t2i_acc").item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(out.metrics.at("temperature").item<double>(), 1.0, 1e-6);
}

// Seed 004 Eq. 1-4 and thesis Eq. 27-29 as loops in double.
double loop_loss(const torch::Tensor& image, const torch::Tensor& image_mask, const torch::Tensor& text,
                 const torch::Tensor& text_mask, double scale) {
  const int64_t batch = image.size(0), length = text.size(1), dim = image.size(2);
  auto cosine = [&](const torch::Tensor& a, const torch::Tensor& b) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t d = 0; d < dim; ++d) {
      const double x = a[d].item<double>(), y = b[d].item<double>();
      ab += x * y, aa += x * x, bb += y * y;
    }
    return ab / std::sqrt(aa * bb);
  };
  auto patches_of = [&](int64_t i) {
    std::vector<int64_t> p;
    for (int64_t n = 1; n < image.size(1); ++n)
      if (image_mask[i][n].item<int64_t>() == 1) p.push_back(n);
    return p;
  };
  auto words_of = [&](int64_t j) {
    int64_t last = 0;
    for (int64_t t = 0; t < length; ++t)
      if (text_mask[j][t].item<int64_t>() == 1) last = t;
    std::vector<int64_t> w;
    for (int64_t t = 1; t < last; ++t) w.push_back(t);
    return w;
  };
  const double lowest = -std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> i2t(batch, std::vector<double>(batch)), t2i_rows(batch, std::vector<double>(batch));
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < batch; ++j) {
      const std::vector<int64_t> p = patches_of(i), w = words_of(j);
      for (int64_t n : p) {
        double best = lowest;
        for (int64_t t : w) best = std::max(best, cosine(image[i][n], text[j][t]));
        i2t[i][j] += scale * best / p.size();
      }
      for (int64_t t : w) {
        double best = lowest;
        for (int64_t n : p) best = std::max(best, cosine(image[i][n], text[j][t]));
        t2i_rows[j][i] += scale * best / w.size();
      }
    }
  return (cross_entropy(i2t) + cross_entropy(t2i_rows)) / 2;
}

struct ContrastiveRandomCase {
  torch::Tensor image, image_mask, text, text_mask;
  mmkd::TensorMap inputs() const {
    return {{"image", image}, {"image_mask", image_mask}, {"text", text}, {"text_mask", text_mask}};
  }
};

ContrastiveRandomCase contrastive_random_case() {
  torch::manual_seed(0);
  ContrastiveRandomCase c;
  c.image = torch::randn({3, 5, 4}, torch::kDouble);
  c.image_mask = torch::tensor({1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1}, torch::kLong).reshape({3, 5});
  c.text = torch::randn({3, 6, 4}, torch::kDouble);
  c.text_mask = torch::tensor({1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0}, torch::kLong).reshape({3, 6});
  return c;
}

TEST(CmliContrastive, LossMatchesLoopImplementation) {
  const ContrastiveRandomCase c = contrastive_random_case();
  auto loss = make_cmli_contrastive("{init_temperature: 0.2}");
  loss->to(torch::kDouble);
  const double scale = std::exp(loss->named_parameters()["logit_scale"].item<double>());
  EXPECT_NEAR(scale, 5.0, 1e-6);
  EXPECT_NEAR(loss->compute(c.inputs()).loss.item<double>(),
              loop_loss(c.image, c.image_mask, c.text, c.text_mask, scale), 1e-10);
  mmkd::TensorMap without_image_mask = c.inputs();
  without_image_mask.erase("image_mask");
  EXPECT_NEAR(loss->compute(without_image_mask).loss.item<double>(),
              loop_loss(c.image, torch::ones({3, 5}, torch::kLong), c.text, c.text_mask, scale), 1e-10);
}

TEST(CmliContrastive, MaskedPositionsTakeNoPart) {
  const ContrastiveRandomCase c = contrastive_random_case();
  auto loss = make_cmli_contrastive();
  loss->to(torch::kDouble);
  const double reference = loss->compute(c.inputs()).loss.item<double>();
  ContrastiveRandomCase changed = c;
  changed.text = c.text.clone();
  changed.image = c.image.clone();
  changed.text[0][0] = 7.0;   // [CLS]
  changed.text[0][5] = 7.0;   // [EOS] of a caption without padding
  changed.text[1][4] = -7.0;  // padding
  changed.text[2][3] = 7.0;   // [EOS]
  changed.image[0][0] = 7.0;  // [I_CLS]
  changed.image[1][3] = 7.0;  // a masked patch
  EXPECT_EQ(loss->compute(changed.inputs()).loss.item<double>(), reference);
  changed.text[2][2] = 7.0;  // a word
  EXPECT_NE(loss->compute(changed.inputs()).loss.item<double>(), reference);
}

TEST(CmliContrastive, GradientsMatchFiniteDifferencesInDouble) {
  const ContrastiveRandomCase c = contrastive_random_case();
  auto loss = make_cmli_contrastive("{init_temperature: 0.3}");
  loss->to(torch::kDouble);
  torch::Tensor image = c.image.clone().requires_grad_(), text = c.text.clone().requires_grad_();
  torch::Tensor logit_scale = loss->named_parameters()["logit_scale"];
  auto f = [&] {
    return loss->compute({{"image", image}, {"image_mask", c.image_mask}, {"text", text}, {"text_mask", c.text_mask}})
        .loss;
  };
  const std::vector<torch::Tensor> analytic = mmkd::testing::expect_gradients_match_finite_differences(
      f, {{"image", image}, {"text", text}, {"logit_scale", logit_scale}});
  EXPECT_EQ(analytic[1][1][4].abs().sum().item<double>(), 0.0);  // padding
  EXPECT_EQ(analytic[0][1][3].abs().sum().item<double>(), 0.0);  // masked patch
}

TEST(CmliContrastive, TemperatureOptions) {
  auto fixed = make_cmli_contrastive("{init_temperature: 0.5, learn_temperature: false}");
  EXPECT_FALSE(fixed->named_parameters()["logit_scale"].requires_grad());
  EXPECT_NEAR(fixed->named_parameters()["logit_scale"].item<double>(), std::log(2.0), 1e-6);
  const mmkd::LossOutput clamped =
      make_cmli_contrastive("{init_temperature: 0.001, max_logit_scale: 50}")->compute(ContrastiveHandCase().inputs());
  EXPECT_NEAR(clamped.metrics.at("temperature").item<double>(), 1.0 / 50, 1e-7);
}

TEST(CmliContrastive, Bf16InputsGiveAFloat32Loss) {
  const ContrastiveHandCase hand;
  const mmkd::LossOutput out = make_cmli_contrastive("{init_temperature: 1.0}")
                                   ->compute({{"image", hand.image.to(torch::kBFloat16)},
                                              {"text", hand.text.to(torch::kBFloat16)},
                                              {"text_mask", hand.text_mask}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(out.loss.item<double>(), (cross_entropy(hand_i2t) + cross_entropy(transposed(hand_t2i))) / 2, 1e-2);
}

TEST(CmliContrastive, ShapeErrorsNameThePortsAndShapes) {
  const ContrastiveHandCase hand;
  auto loss = make_cmli_contrastive();
  auto with = [&](const std::string& port, const torch::Tensor& value) {
    mmkd::TensorMap inputs = hand.inputs();
    inputs[port] = value;
    return [&loss, inputs] { loss->compute(inputs); };
  };
  expect_error_naming(with("image", torch::zeros({2, 3})),
                      {"cmli_contrastive", "`image`", "`text`", "[2, 3]", "[2, 4, 2]"});
  expect_error_naming(with("text", torch::zeros({3, 4, 2})), {"`image`", "`text`", "[2, 3, 2]", "[3, 4, 2]"});
  expect_error_naming(with("text_mask", torch::ones({2, 5}, torch::kLong)), {"`text_mask`", "[2, 5]", "[2, 4]"});
  expect_error_naming(with("image_mask", torch::ones({2, 2}, torch::kLong)), {"`image_mask`", "[2, 2]", "[2, 3]"});
  expect_error_naming(with("image_mask", torch::tensor({{1, 1, 1}, {1, 0, 0}}, torch::kLong)),
                      {"`image_mask`", "no patch"});
  expect_error_naming(with("text_mask", torch::tensor({{1, 1, 1, 0}, {1, 1, 0, 0}}, torch::kLong)),
                      {"cmli_contrastive", "caption 1"});
  EXPECT_THROW(make_cmli_contrastive("{init_temperature: -1}"), mmkd::ConfigError);
}

}  // namespace

#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <mmkd/mmkd.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "target_cmli_loss.hpp"

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Loss> make_loss(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Loss>("target_cmli", options);
}

void set_projection(const std::shared_ptr<mmkd::Loss>& loss, const torch::Tensor& weight) {
  torch::NoGradGuard no_grad;
  loss->named_parameters()["projection.weight"].copy_(weight);
}

// Two patches (after [I_CLS]) and a caption [CLS] w1 w2 [EOS] [PAD]; w1 is closest to patch 1, w2 to patch 2.
struct HandCase {
  torch::Tensor teacher = torch::tensor({{{9.0, 9.0}, {1.0, 0.0}, {0.0, 1.0}}});
  torch::Tensor image = torch::tensor({{{-5.0, 3.0}, {1.0, 1.0}, {0.0, 1.0}}});
  torch::Tensor text = torch::tensor({{{7.0, -7.0}, {2.0, 0.5}, {0.1, 1.0}, {-3.0, 8.0}, {4.0, 4.0}}});
  torch::Tensor text_mask = torch::tensor({{1, 1, 1, 1, 0}}, torch::kLong);
  mmkd::TensorMap inputs() const {
    return {{"image", image}, {"text", text}, {"text_mask", text_mask}, {"teacher", teacher}};
  }
};

TEST(TargetCmli, HandCaseOfTwoWordsAndTwoPatches) {
  const HandCase hand;
  // Eq. 72 with g = identity: w1 = (2, 0.5) is closest to (1, 0), w2 = (0.1, 1) to (0, 1).
  const torch::Tensor matched = mmkd::cmli::best_patches(hand.text.slice(1, 1, 3), hand.teacher.slice(1, 1));
  EXPECT_TRUE(torch::equal(matched, torch::tensor({{0, 1}}, torch::kLong))) << matched;
  // Eq. 75: patch 1 errs by (0, 1) -> 0.5, patch 2 by nothing -> mean 0.25.
  // Eq. 76 with g = 2 * identity: w1 errs by 2 * (1, 0.5) -> 2.5, w2 by 2 * (0.1, 0) -> 0.02, mean 1.26;
  // raw, the errors are a quarter of that: 0.315.
  const double kd_i2t = 0.25, projected = 1.26, raw = 0.315;
  for (const std::string space : {"projected", "raw"}) {
    auto loss = make_loss("{dim: 2, projection_dim: 2, regression_space: " + space + "}");
    set_projection(loss, 2 * torch::eye(2));
    const mmkd::LossOutput out = loss->compute(hand.inputs());
    const double kd_t2i = space == "projected" ? projected : raw;
    EXPECT_NEAR(out.metrics.at("kd_i2t").item<double>(), kd_i2t, 1e-6) << space;
    EXPECT_NEAR(out.metrics.at("kd_t2i").item<double>(), kd_t2i, 1e-6) << space;
    EXPECT_NEAR(out.loss.item<double>(), (kd_i2t + kd_t2i) / 2, 1e-6) << space;  // Eq. 77
  }
}

// include_cls: [I_CLS] (-5, 3) errs from (9, 9) by 116, so Eq. 75 averages 116 + 0.5 + 0 over 3
// tokens; [T_CLS] (7, -7) errs from [I_CLS] by 130 raw (520 under g = 2 * identity), one more word.
TEST(TargetCmli, IncludeClsRegressesBothClsTokensOntoTheTeachers) {
  const HandCase hand;
  const double kd_i2t = 116.5 / 3, raw = (130 + 0.625 + 0.005) / 3, projected = (520 + 2.5 + 0.02) / 3;
  for (const std::string space : {"projected", "raw"}) {
    auto loss = make_loss("{dim: 2, projection_dim: 2, include_cls: true, regression_space: " + space + "}");
    set_projection(loss, 2 * torch::eye(2));
    const mmkd::LossOutput out = loss->compute(hand.inputs());
    EXPECT_NEAR(out.metrics.at("kd_i2t").item<double>(), kd_i2t, 1e-5) << space;
    EXPECT_NEAR(out.metrics.at("kd_t2i").item<double>(), space == "raw" ? raw : projected, 1e-4) << space;
  }
}

// Eq. 72 and 75-77 as loops in double; g is `weight` [P, D].
double loop_loss(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& text_mask,
                 const torch::Tensor& teacher, const torch::Tensor& weight, bool projected) {
  const int64_t batch = image.size(0), patches = image.size(1) - 1, length = text.size(1), dim = image.size(2);
  const int64_t out_dim = weight.size(0);
  auto g = [&](const torch::Tensor& x) {
    std::vector<double> y(out_dim, 0.0);
    for (int64_t p = 0; p < out_dim; ++p)
      for (int64_t d = 0; d < dim; ++d) y[p] += weight[p][d].item<double>() * x[d].item<double>();
    return y;
  };
  auto raw = [&](const torch::Tensor& x) {
    std::vector<double> y(dim);
    for (int64_t d = 0; d < dim; ++d) y[d] = x[d].item<double>();
    return y;
  };
  auto cosine = [](const std::vector<double>& a, const std::vector<double>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return ab / std::sqrt(aa * bb);
  };
  auto mse = [](const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
    return sum / a.size();
  };
  double kd_i2t = 0, kd_t2i = 0;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t n = 1; n <= patches; ++n) kd_i2t += mse(raw(image[b][n]), raw(teacher[b][n])) / (batch * patches);
    int64_t last = 0;
    for (int64_t t = 0; t < length; ++t)
      if (text_mask[b][t].item<int64_t>() == 1) last = t;
    double caption = 0;
    for (int64_t t = 1; t < last; ++t) {
      int64_t best = 1;
      for (int64_t n = 1; n <= patches; ++n)
        if (cosine(g(text[b][t]), g(teacher[b][n])) > cosine(g(text[b][t]), g(teacher[b][best]))) best = n;
      caption += projected ? mse(g(text[b][t]), g(teacher[b][best])) : mse(raw(text[b][t]), raw(teacher[b][best]));
    }
    kd_t2i += caption / (last - 1) / batch;
  }
  return (kd_i2t + kd_t2i) / 2;
}

struct RandomCase {
  torch::Tensor image, text, text_mask, teacher;
  mmkd::TensorMap inputs() const {
    return {{"image", image}, {"text", text}, {"text_mask", text_mask}, {"teacher", teacher}};
  }
};

// Captions of 3 and 1 words; each word is a noisy copy of a teacher patch, so matches have clear margins.
RandomCase random_case() {
  torch::manual_seed(0);
  RandomCase c;
  c.teacher = torch::randn({2, 4, 3}, torch::kDouble);
  c.image = torch::randn({2, 4, 3}, torch::kDouble);
  c.text = torch::randn({2, 6, 3}, torch::kDouble);
  c.text_mask = torch::tensor({1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0}, torch::kLong).reshape({2, 6});
  torch::NoGradGuard no_grad;
  c.text.slice(1, 1, 4).copy_(c.teacher.index({torch::indexing::Slice(), torch::tensor({3, 1, 2})}) * 1.5 +
                              0.05 * torch::randn({2, 3, 3}, torch::kDouble));
  return c;
}

TEST(TargetCmli, LossMatchesLoopImplementation) {
  const RandomCase c = random_case();
  for (const std::string space : {"projected", "raw"}) {
    auto loss = make_loss("{dim: 3, projection_dim: 2, regression_space: " + space + "}");
    loss->to(torch::kDouble);
    const double expected = loop_loss(c.image, c.text, c.text_mask, c.teacher,
                                      loss->named_parameters()["projection.weight"], space == "projected");
    EXPECT_NEAR(loss->compute(c.inputs()).loss.item<double>(), expected, 1e-10) << space;
  }
}

TEST(TargetCmli, PaddingClsAndEosTakeNoPart) {
  const RandomCase c = random_case();
  auto loss = make_loss("{dim: 3, projection_dim: 3}");
  loss->to(torch::kDouble);
  set_projection(loss, torch::eye(3, torch::kDouble) + 0.1 * torch::randn({3, 3}, torch::kDouble));
  const double reference = loss->compute(c.inputs()).loss.item<double>();
  RandomCase changed = c;
  changed.text = c.text.clone();
  changed.text[0][0] = 100.0;  // [CLS]
  changed.text[0][4] = 100.0;  // [EOS]
  changed.text[0][5] = 100.0;  // padding
  changed.text[1][2] = 100.0;  // [EOS] of the one-word caption
  changed.image = c.image.clone();
  changed.image[1][0] = 100.0;  // student [I_CLS]
  changed.teacher = c.teacher.clone();
  changed.teacher[0][0] = 100.0;  // teacher [I_CLS]
  EXPECT_EQ(loss->compute(changed.inputs()).loss.item<double>(), reference);
  changed.text[1][1] = 100.0;  // the only word of caption 1
  EXPECT_NE(loss->compute(changed.inputs()).loss.item<double>(), reference);
}

TEST(TargetCmli, GradientsMatchFiniteDifferencesInDouble) {
  RandomCase c = random_case();
  for (const std::string space : {"projected", "raw"}) {
    auto loss = make_loss("{dim: 3, projection_dim: 3, regression_space: " + space + "}");
    loss->to(torch::kDouble);
    set_projection(loss, torch::eye(3, torch::kDouble) + 0.1 * torch::randn({3, 3}, torch::kDouble));
    torch::Tensor image = c.image.clone().requires_grad_(), text = c.text.clone().requires_grad_();
    torch::Tensor weight = loss->named_parameters()["projection.weight"];
    auto f = [&] {
      return loss->compute({{"image", image}, {"text", text}, {"text_mask", c.text_mask}, {"teacher", c.teacher}}).loss;
    };
    SCOPED_TRACE(space);
    mmkd::testing::NamedLeaves leaves = {{"image", image}, {"text", text}};
    if (space == "projected") leaves.emplace_back("projection.weight", weight);
    const std::vector<torch::Tensor> analytic = mmkd::testing::expect_gradients_match_finite_differences(f, leaves);
    // Padding, [CLS] and [EOS] get no gradient; every word does.
    EXPECT_EQ(analytic[1][0][5].abs().sum().item<double>(), 0.0);
    EXPECT_EQ(analytic[1][0][0].abs().sum().item<double>(), 0.0);
    EXPECT_EQ(analytic[1][1][2].abs().sum().item<double>(), 0.0);
    EXPECT_GT(analytic[1][1][1].abs().sum().item<double>(), 0.0);
    if (space == "raw") {
      const torch::Tensor weight_grad = torch::autograd::grad({f()}, {weight}, {}, {}, false, true)[0];
      EXPECT_FALSE(weight_grad.defined() && weight_grad.abs().sum().item<double>() > 0);  // g only matches
    }
  }
}

TEST(TargetCmli, TeacherIsATarget) {
  HandCase hand;
  hand.teacher.requires_grad_();
  auto loss = make_loss("{dim: 2, projection_dim: 2}");
  loss->compute(hand.inputs()).loss.backward();
  EXPECT_FALSE(hand.teacher.grad().defined());
  EXPECT_TRUE(loss->named_parameters()["projection.weight"].grad().defined());
}

TEST(TargetCmli, Bf16InputsGiveAFloat32Loss) {
  const HandCase hand;
  auto loss = make_loss("{dim: 2, projection_dim: 2}");
  set_projection(loss, 2 * torch::eye(2));
  const mmkd::LossOutput out = loss->compute({{"image", hand.image.to(torch::kBFloat16)},
                                              {"text", hand.text.to(torch::kBFloat16)},
                                              {"text_mask", hand.text_mask},
                                              {"teacher", hand.teacher.to(torch::kBFloat16)}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(out.loss.item<double>(), (0.25 + 1.26) / 2, 2e-2);
}

TEST(TargetCmli, ShapeErrorsNameThePortsAndShapes) {
  const HandCase hand;
  auto loss = make_loss("{dim: 2, projection_dim: 2}");
  auto with = [&](const std::string& port, const torch::Tensor& value) {
    mmkd::TensorMap inputs = hand.inputs();
    inputs[port] = value;
    return [&loss, inputs] { loss->compute(inputs); };
  };
  expect_error_naming(with("image", torch::zeros({1, 4, 2})),
                      {"target_cmli", "`image`", "`teacher`", "[1, 4, 2]", "[1, 3, 2]", "[B, 1 + N, 2]"});
  expect_error_naming(with("teacher", torch::zeros({1, 3, 5})), {"`teacher`", "[1, 3, 5]", "[B, 1 + N, 2]"});
  expect_error_naming(with("text", torch::zeros({2, 5, 2})), {"`text`", "[2, 5, 2]", "[B, T, 2]", "[1, 3, 2]"});
  expect_error_naming(with("text_mask", torch::ones({1, 4}, torch::kLong)), {"`text_mask`", "[1, 4]", "[1, 5]"});
  expect_error_naming(with("text_mask", torch::tensor({{1, 1, 0, 0, 0}}, torch::kLong)),
                      {"target_cmli", "caption 0", "`text_mask`"});
  EXPECT_THROW(make_loss("{projection_dim: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("{regression_space: cosine}"), mmkd::ConfigError);
}

}  // namespace

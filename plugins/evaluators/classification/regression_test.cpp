#include "correlation.hpp"
#include "expect_error.hpp"
#include "fake_eval_models.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <mmkd/mmkd.hpp>

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace {

namespace ce = mmkd::classification_eval;
using mmkd::testing::expect_error_naming;

using mmkd::testing::kNoModels;

std::shared_ptr<mmkd::Evaluator> make_regression() { return mmkd::testing::make<mmkd::Kind::Evaluator>("regression", "{}"); }

double reference_pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i], sy += y[i];
    sxx += x[i] * x[i], syy += y[i] * y[i], sxy += x[i] * y[i];
  }
  return (n * sxy - sx * sy) / std::sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
}

// Rank of each value by counting: 1 + (values below) + (equal values other than itself) / 2.
std::vector<double> reference_ranks(const std::vector<double>& values) {
  std::vector<double> ranks;
  for (double v : values) {
    double below = 0, equal = 0;
    for (double w : values) below += w < v, equal += w == v;
    ranks.push_back(1 + below + (equal - 1) / 2);
  }
  return ranks;
}

std::vector<double> values_of(const torch::Tensor& t) {
  const torch::Tensor d = t.to(torch::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

TEST(Regression, MatchesPlainPearsonAndSpearmanWithTiesInUnevenBatches) {
  torch::manual_seed(3);
  const torch::Tensor target = torch::randint(0, 6, {53}).to(torch::kFloat);  // STS-B-like scores, many ties
  const torch::Tensor prediction = (target + torch::randn({53})).round();     // ties too
  auto evaluator = make_regression();
  evaluator->add({{"prediction", prediction.slice(0, 0, 5).unsqueeze(1)}, {"target", target.slice(0, 0, 5)}},
                 kNoModels);
  evaluator->add({{"prediction", prediction.slice(0, 5, 46)}, {"target", target.slice(0, 5, 46)}}, kNoModels);
  evaluator->add({{"prediction", prediction.slice(0, 46).unsqueeze(1)}, {"target", target.slice(0, 46)}}, kNoModels);
  const auto metrics = evaluator->compute(kNoModels);
  const std::vector<double> x = values_of(prediction), y = values_of(target);
  EXPECT_NEAR(metrics.at("pearson"), reference_pearson(x, y), 1e-12);
  EXPECT_NEAR(metrics.at("spearman"), reference_pearson(reference_ranks(x), reference_ranks(y)), 1e-12);
  EXPECT_GT(metrics.at("spearman"), 0.5);
}

TEST(Regression, AverageRanksOfTies) {
  const torch::Tensor ranks = ce::average_ranks(torch::tensor({2.0, 1.0, 2.0, 5.0, 2.0, 1.0}));
  EXPECT_EQ(values_of(ranks), (std::vector<double>{4, 1.5, 4, 6, 4, 1.5}));
}

TEST(Regression, MonotoneIsPerfectSpearmanAndConstantIsZero) {
  auto evaluator = make_regression();
  const torch::Tensor target = torch::tensor({0.5, 1.0, 3.0, 4.5});
  evaluator->add({{"prediction", target.exp()}, {"target", target}}, kNoModels);
  auto metrics = evaluator->compute(kNoModels);
  EXPECT_NEAR(metrics.at("spearman"), 1.0, 1e-12);
  EXPECT_LT(metrics.at("pearson"), 1.0);
  evaluator->reset();
  evaluator->add({{"prediction", torch::ones({4})}, {"target", target}}, kNoModels);
  metrics = evaluator->compute(kNoModels);
  EXPECT_EQ(metrics.at("pearson"), 0.0);
  EXPECT_EQ(metrics.at("spearman"), 0.0);
}

TEST(Regression, TableInPercent) {
  const auto cells = make_regression()->table({{"pearson", 0.8812}, {"spearman", 0.87656}});
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].heading, std::vector<std::string>{"Pearson"});
  EXPECT_EQ(cells[0].value, "88.12");
  EXPECT_EQ(cells[1].heading, std::vector<std::string>{"Spearman"});
  EXPECT_EQ(cells[1].value, "87.66");
}

TEST(Regression, ErrorsNameTheInputs) {
  expect_error_naming(
      [] {
        make_regression()->add({{"prediction", torch::zeros({3, 2})}, {"target", torch::zeros({3})}}, kNoModels);
      },
      {"`prediction`", "[B, 1]", "[3, 2]"});
  expect_error_naming(
      [] {
        make_regression()->add({{"prediction", torch::zeros({3})}, {"target", torch::zeros({2})}}, kNoModels);
      },
      {"`target`", "[3]", "[2]"});
  expect_error_naming([] { make_regression()->add({{"prediction", torch::zeros({3})}}, kNoModels); }, {"target"});
  expect_error_naming([] { make_regression()->compute(kNoModels); }, {"regression", "before any batch"});
}

}  // namespace

#include "class_metrics.hpp"
#include "expect_error.hpp"
#include "fake_eval_models.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>
#include <mmkd/mmkd.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace {

namespace ce = mmkd::classification_eval;
using mmkd::testing::expect_error_naming;

using mmkd::testing::kNoModels;

std::shared_ptr<mmkd::Evaluator> make(const std::string& options = "{}") {
  return mmkd::testing::make<mmkd::Kind::Evaluator>("classification", options);
}

// Integer-valued logits from a small range, so that many scores tie.
struct Scored {
  std::vector<std::vector<double>> logits;
  std::vector<int64_t> labels;
};

Scored random_scores(int64_t samples, int64_t classes, int64_t levels) {
  Scored data;
  for (int64_t i = 0; i < samples; ++i) {
    std::vector<double> row;
    for (int64_t c = 0; c < classes; ++c) row.push_back(static_cast<double>(std::rand() % levels));
    data.logits.push_back(row);
    data.labels.push_back(std::rand() % classes);
  }
  return data;
}

// Position of the label after a stable sort of the classes by descending score.
int64_t reference_rank(const std::vector<double>& row, int64_t label) {
  std::vector<int64_t> order(row.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return row[a] > row[b]; });
  return std::find(order.begin(), order.end(), label) - order.begin();
}

int64_t reference_argmax(const std::vector<double>& row) {
  return std::max_element(row.begin(), row.end()) - row.begin();
}

double reference_top_k(const Scored& data, int64_t k) {
  double hits = 0;
  for (size_t i = 0; i < data.labels.size(); ++i) hits += reference_rank(data.logits[i], data.labels[i]) < k;
  return hits / static_cast<double>(data.labels.size());
}

double reference_f1(const Scored& data) {
  double tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < data.labels.size(); ++i) {
    const int64_t predicted = reference_argmax(data.logits[i]);
    tp += predicted == 1 && data.labels[i] == 1;
    fp += predicted == 1 && data.labels[i] != 1;
    fn += predicted != 1 && data.labels[i] == 1;
  }
  const double precision = tp / (tp + fp), recall = tp / (tp + fn);
  return 2 * precision * recall / (precision + recall);
}

// Gorodkin's R_K written out as in the paper, from the confusion matrix.
double reference_matthews(const Scored& data, int64_t classes) {
  std::vector<std::vector<double>> confusion(classes, std::vector<double>(classes, 0.0));  // [true][predicted]
  for (size_t i = 0; i < data.labels.size(); ++i) confusion[data.labels[i]][reference_argmax(data.logits[i])] += 1;
  double numerator = 0;
  for (int64_t k = 0; k < classes; ++k)
    for (int64_t l = 0; l < classes; ++l)
      for (int64_t m = 0; m < classes; ++m)
        numerator += confusion[k][k] * confusion[l][m] - confusion[k][l] * confusion[m][k];
  double true_spread = 0, predicted_spread = 0;
  for (int64_t k = 0; k < classes; ++k) {
    double row_k = 0, column_k = 0, rows_other = 0, columns_other = 0;
    for (int64_t l = 0; l < classes; ++l) {
      row_k += confusion[k][l];
      column_k += confusion[l][k];
      for (int64_t other = 0; other < classes; ++other)
        if (other != k) rows_other += confusion[other][l], columns_other += confusion[l][other];
    }
    true_spread += row_k * rows_other;
    predicted_spread += column_k * columns_other;
  }
  return numerator / std::sqrt(true_spread * predicted_spread);
}

torch::Tensor logits_tensor(const Scored& data, size_t begin, size_t end) {
  std::vector<float> values;
  for (size_t i = begin; i < end; ++i) values.insert(values.end(), data.logits[i].begin(), data.logits[i].end());
  return torch::tensor(values).view({static_cast<int64_t>(end - begin), -1});
}

// Adds the data in batches of the given sizes.
std::map<std::string, double> evaluate(mmkd::Evaluator& evaluator, const Scored& data,
                                       const std::vector<size_t>& sizes) {
  evaluator.reset();
  size_t begin = 0;
  for (size_t size : sizes) {
    const size_t end = std::min(begin + size, data.labels.size());
    const std::vector<int64_t> labels(data.labels.begin() + begin, data.labels.begin() + end);
    evaluator.add({{"logits", logits_tensor(data, begin, end)}, {"label", torch::tensor(labels, torch::kLong)}},
                  kNoModels);
    begin = end;
  }
  EXPECT_EQ(begin, data.labels.size());
  return evaluator.compute(kNoModels);
}

TEST(Classification, AccuracyTopFiveAndMatthewsMatchPlainImplementationsWithTies) {
  std::srand(7);
  const Scored data = random_scores(61, 8, 4);
  auto evaluator = make("{metrics: [matthews, top5, accuracy]}");
  const auto metrics = evaluate(*evaluator, data, {1, 17, 30, 13});
  EXPECT_EQ(metrics.size(), 3u);
  EXPECT_DOUBLE_EQ(metrics.at("accuracy"), reference_top_k(data, 1));
  EXPECT_DOUBLE_EQ(metrics.at("top5"), reference_top_k(data, 5));
  EXPECT_NEAR(metrics.at("matthews"), reference_matthews(data, 8), 1e-12);
  EXPECT_GT(metrics.at("top5"), metrics.at("accuracy"));
}

TEST(Classification, BinaryF1AndMatthewsMatchPlainImplementations) {
  std::srand(11);
  const Scored data = random_scores(45, 2, 3);
  auto evaluator = make("{metrics: [f1, matthews, accuracy]}");
  const auto metrics = evaluate(*evaluator, data, {20, 3, 22});
  EXPECT_NEAR(metrics.at("f1"), reference_f1(data), 1e-12);
  EXPECT_NEAR(metrics.at("matthews"), reference_matthews(data, 2), 1e-12);
  EXPECT_DOUBLE_EQ(metrics.at("accuracy"), reference_top_k(data, 1));
}

TEST(Classification, TiesAtTheEdgeOfTopFiveGoToTheLowerClassIndex) {
  auto evaluator = make("{metrics: [accuracy, top5]}");
  const torch::Tensor same = torch::zeros({3, 7});
  evaluator->add({{"logits", same}, {"label", torch::tensor({4, 5, 0}, torch::kLong)}}, kNoModels);
  const auto metrics = evaluator->compute(kNoModels);
  EXPECT_DOUBLE_EQ(metrics.at("top5"), 2.0 / 3.0);      // ranks 4 and 0 are within the top 5, rank 5 is not
  EXPECT_DOUBLE_EQ(metrics.at("accuracy"), 1.0 / 3.0);  // argmax of equal scores is class 0
}

TEST(Classification, HandCaseBinary) {
  // predictions 1 1 0 0 1 against labels 1 0 0 1 1: TP 2, FP 1, FN 1, TN 1.
  auto evaluator = make("{metrics: [accuracy, f1, matthews]}");
  const torch::Tensor logits = torch::tensor({0.f, 1.f, 0.f, 2.f, 3.f, 1.f, 5.f, 4.f, -1.f, 0.f}).view({5, 2});
  evaluator->add({{"logits", logits}, {"label", torch::tensor({1, 0, 0, 1, 1}, torch::kLong)}}, kNoModels);
  const auto metrics = evaluator->compute(kNoModels);
  EXPECT_DOUBLE_EQ(metrics.at("accuracy"), 0.6);
  EXPECT_DOUBLE_EQ(metrics.at("f1"), 2.0 / 3.0);
  EXPECT_NEAR(metrics.at("matthews"), (2.0 * 1 - 1 * 1) / std::sqrt(3.0 * 3 * 2 * 2), 1e-12);
}

TEST(Classification, UndefinedScoresAreZero) {
  auto evaluator = make("{metrics: [f1, matthews]}");
  // Every prediction and every label is class 0: no class-1 sample and one predicted class.
  evaluator->add(
      {{"logits", torch::tensor({1.f, 0.f, 1.f, 0.f}).view({2, 2})}, {"label", torch::zeros({2}, torch::kLong)}},
      kNoModels);
  const auto metrics = evaluator->compute(kNoModels);
  EXPECT_EQ(metrics.at("f1"), 0.0);
  EXPECT_EQ(metrics.at("matthews"), 0.0);
}

TEST(Classification, RankOfLabelCountsHigherAndEarlierTies) {
  const torch::Tensor logits = torch::tensor({3.f, 1.f, 3.f, 2.f, 0.f, 0.f, 0.f, 0.f}).view({2, 4});
  const torch::Tensor ranks = ce::rank_of_label(logits, torch::tensor({2, 3}, torch::kLong));
  EXPECT_EQ(ranks[0].item<int64_t>(), 1);  // class 0 ties and comes first
  EXPECT_EQ(ranks[1].item<int64_t>(), 3);
}

TEST(Classification, TableInPercentWithTwoDecimals) {
  auto evaluator = make("{metrics: [top5, accuracy, f1, matthews]}");
  const auto cells = evaluator->table({{"accuracy", 0.76234}, {"top5", 0.95}, {"f1", 0.5}, {"matthews", -0.123456}});
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells[0].heading, std::vector<std::string>{"Top-5"});
  EXPECT_EQ(cells[0].value, "95.00");
  EXPECT_EQ(cells[1].heading, std::vector<std::string>{"Accuracy"});
  EXPECT_EQ(cells[1].value, "76.23");
  EXPECT_EQ(cells[2].heading, std::vector<std::string>{"F1"});
  EXPECT_EQ(cells[3].heading, std::vector<std::string>{"MCC"});
  EXPECT_EQ(cells[3].value, "-12.35");
}

TEST(Classification, DeclaredOutputsFollowMetrics) {
  const mmkd::Registry::Entry* entry = mmkd::testing::plugins().find(mmkd::Kind::Evaluator, "classification");
  ASSERT_NE(entry, nullptr);
  std::vector<std::string> names;
  for (const mmkd::Port& port : entry->info.outputs_for(
           mmkd::testing::options_for(mmkd::Kind::Evaluator, "classification", "{metrics: [f1, accuracy]}")))
    names.push_back(port.name);
  EXPECT_EQ(names, (std::vector<std::string>{"f1", "accuracy"}));
  EXPECT_EQ(make()->table({{"accuracy", 0.5}}).size(), 1u);
}

TEST(Classification, ResetForgetsEarlierBatches) {
  auto evaluator = make();
  evaluator->add({{"logits", torch::eye(3)}, {"label", torch::tensor({1, 2, 0}, torch::kLong)}}, kNoModels);
  evaluator->reset();
  EXPECT_THROW(evaluator->compute(kNoModels), mmkd::Error);
  evaluator->add({{"logits", torch::eye(4)}, {"label", torch::arange(4)}}, kNoModels);
  EXPECT_EQ(evaluator->compute(kNoModels).at("accuracy"), 1.0);
}

TEST(Classification, ErrorsNameTheOptionOrInput) {
  const torch::Tensor three = torch::zeros({2, 3});
  const torch::Tensor labels = torch::zeros({2}, torch::kLong);
  expect_error_naming(
      [&] {
        make("{metrics: [top5]}")->add({{"logits", three}, {"label", labels}}, kNoModels);
      },
      {"`metrics`", "top5", "at least 5 classes", "have 3"});
  expect_error_naming(
      [&] {
        make("{metrics: [f1]}")->add({{"logits", three}, {"label", labels}}, kNoModels);
      },
      {"`metrics`", "f1", "2 classes", "have 3"});
  expect_error_naming(
      [&] {
        make()->add({{"logits", three}, {"label", torch::tensor({0, 3}, torch::kLong)}}, kNoModels);
      },
      {"`label`", "0..3", "3 classes"});
  expect_error_naming(
      [&] {
        make()->add({{"logits", three}, {"label", torch::zeros({3}, torch::kLong)}}, kNoModels);
      },
      {"`logits`", "[B, C]", "[2, 3]", "[3]"});
  expect_error_naming(
      [&] {
        make()->add({{"logits", three}, {"label", torch::zeros({2})}}, kNoModels);
      },
      {"`label`", "integer"});
  auto evaluator = make();
  evaluator->add({{"logits", three}, {"label", labels}}, kNoModels);
  expect_error_naming(
      [&] {
        evaluator->add({{"logits", torch::zeros({2, 4})}, {"label", labels}}, kNoModels);
      },
      {"4 classes", "earlier batches had 3"});
  expect_error_naming([&] { make("{metrics: [accuracy, f2]}"); }, {"metrics", "f2", "one of"});
  expect_error_naming([&] { make("{metrics: [accuracy, accuracy]}"); }, {"metrics", "`accuracy` twice"});
  expect_error_naming([&] { make("{metrics: []}"); }, {"metrics", "at least one"});
  expect_error_naming([&] { make()->compute(kNoModels); }, {"classification", "before any batch"});
}

}  // namespace

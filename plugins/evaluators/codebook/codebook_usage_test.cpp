#include "expect_error.hpp"
#include "fake_eval_models.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace {

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Evaluator> make_usage(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Evaluator>("codebook_usage", options);
}

// VQ stand-in: the code of each sample is the first entry of its `teacher_cls` row.
mmkd::testing::FakeEvalModels first_entry_codes() {
  mmkd::testing::FakeEvalModels models;
  models.losses["vq"] = [](const mmkd::TensorMap& inputs) {
    return mmkd::TensorMap{{"codes", inputs.at("teacher_cls").select(1, 0).to(torch::kLong)}};
  };
  return models;
}

mmkd::TensorMap samples_with_codes(const std::vector<double>& codes) {
  return {{"teacher_cls", torch::stack({torch::tensor(codes), torch::ones(static_cast<int64_t>(codes.size()))}, 1)}};
}

TEST(CodebookUsage, CountsCodewordsOverThePass) {
  // Codes 0, 0, 1 then 1, 3 of J = 5: counts (2, 2, 0, 1, 0), frequencies (0.4, 0.4, 0, 0.2, 0).
  const auto models = first_entry_codes();
  auto evaluator = make_usage("{loss: vq, codebook_size: 5}");
  evaluator->add(samples_with_codes({0, 0, 1}), models);
  evaluator->add(samples_with_codes({1, 3}), models);
  const auto metrics = evaluator->compute(models);
  EXPECT_DOUBLE_EQ(metrics.at("usage"), 0.6);
  EXPECT_DOUBLE_EQ(metrics.at("dead"), 2.0);
  EXPECT_NEAR(metrics.at("perplexity"), std::exp(-(2 * 0.4 * std::log(0.4) + 0.2 * std::log(0.2))), 1e-12);
  EXPECT_EQ(metrics.size(), 3u);
  const auto cells = evaluator->table(metrics);
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].value, "60.00");
  EXPECT_EQ(cells[1].value, "2.9");  // exp(1.0549)
  EXPECT_EQ(cells[2].heading, (std::vector<std::string>{"Dead"}));
  EXPECT_EQ(cells[2].value, "2");
}

TEST(CodebookUsage, UniformAndCollapsedCodebooks) {
  const auto models = first_entry_codes();
  auto evaluator = make_usage("{loss: vq, codebook_size: 4}");
  evaluator->add(samples_with_codes({3, 2, 1, 0, 0, 1, 2, 3}), models);
  const auto uniform = evaluator->compute(models);
  EXPECT_EQ(uniform.at("usage"), 1.0);
  EXPECT_EQ(uniform.at("dead"), 0.0);
  EXPECT_NEAR(uniform.at("perplexity"), 4.0, 1e-12);
  evaluator->reset();
  evaluator->add(samples_with_codes({2, 2, 2}), models);
  EXPECT_EQ(evaluator->compute(models),
            (std::map<std::string, double>{{"usage", 0.25}, {"perplexity", 1.0}, {"dead", 3.0}}));
}

TEST(CodebookUsage, ErrorsNameWhatIsWrong) {
  EXPECT_THROW(make_usage("{codebook_size: 4}"), mmkd::ConfigError);
  EXPECT_THROW(make_usage("{loss: vq}"), mmkd::ConfigError);
  EXPECT_THROW(make_usage("{loss: vq, codebook_size: 0}"), mmkd::ConfigError);

  const auto models = first_entry_codes();
  auto evaluator = make_usage("{loss: vq, codebook_size: 4}");
  expect_error_naming([&] { evaluator->compute(models); }, {"codebook_usage", "before any codes"});
  expect_error_naming([&] { evaluator->add(samples_with_codes({1, 4}), models); },
                      {"codebook_usage", "`vq`", "from 1 to 4", "[0, 4)"});
  expect_error_naming([&] { evaluator->add(samples_with_codes({-1, 2}), models); }, {"from -1 to 2", "codebook_size"});
  mmkd::testing::FakeEvalModels floats;
  floats.losses["vq"] = [](const mmkd::TensorMap& in) { return mmkd::TensorMap{{"codes", in.at("teacher_cls")}}; };
  expect_error_naming([&] { evaluator->add(samples_with_codes({1}), floats); }, {"`codes`", "Float", "integer"});
  mmkd::testing::FakeEvalModels nameless;
  nameless.losses["vq"] = [](const mmkd::TensorMap& in) { return mmkd::TensorMap{{"indices", in.at("teacher_cls")}}; };
  expect_error_naming([&] { evaluator->add(samples_with_codes({1}), nameless); }, {"codes"});
  expect_error_naming([&] { evaluator->add(samples_with_codes({1}), mmkd::testing::FakeEvalModels()); }, {"vq"});
  evaluator->add(samples_with_codes({1}), models);  // the failed batches counted nothing
  EXPECT_DOUBLE_EQ(evaluator->compute(models).at("usage"), 0.25);
}

}  // namespace

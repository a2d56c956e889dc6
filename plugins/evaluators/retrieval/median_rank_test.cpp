#include "fake_eval_models.hpp"
#include "expect_error.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>

namespace {

using mmkd::testing::kNoModels;


std::shared_ptr<mmkd::Evaluator> make(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Evaluator>("median_rank", options);
}

double plain_median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The Table 11 protocol written out: rank = 1 + wrong candidates scoring at least as high.
std::pair<double, double> reference(const torch::Tensor& images, const std::vector<std::vector<torch::Tensor>>& captions,
                                    int64_t splits, int64_t size, int64_t rounds) {
  auto unit = [](const torch::Tensor& v) { return v / v.norm(); };
  double i2t = 0, t2i = 0;
  for (int64_t r = 0; r < rounds; ++r)
    for (int64_t s = 0; s < splits; ++s) {
      std::vector<std::vector<double>> sim(size, std::vector<double>(size));
      for (int64_t a = 0; a < size; ++a)
        for (int64_t b = 0; b < size; ++b) {
          const auto& caps = captions[s * size + b];
          sim[a][b] = unit(images[s * size + a]).dot(unit(caps[r % caps.size()])).item<double>();
        }
      std::vector<double> image_ranks, text_ranks;
      for (int64_t q = 0; q < size; ++q) {
        double ahead_i = 1, ahead_t = 1;
        for (int64_t c = 0; c < size; ++c)
          if (c != q) ahead_i += sim[q][c] >= sim[q][q], ahead_t += sim[c][q] >= sim[q][q];
        image_ranks.push_back(ahead_i);
        text_ranks.push_back(ahead_t);
      }
      i2t += plain_median(image_ranks);
      t2i += plain_median(text_ranks);
    }
  return {i2t / double(rounds * splits), t2i / double(rounds * splits)};
}

TEST(MedianRank, MatchesTheProtocolWrittenOut) {
  torch::manual_seed(0);
  const int64_t images = 9, dim = 6;
  torch::Tensor image_embeddings = torch::randn({images, dim});
  std::vector<std::vector<torch::Tensor>> captions(images);
  std::vector<torch::Tensor> rows_image, rows_text, rows_id;
  for (int64_t i = 0; i < images; ++i)
    for (int64_t c = 0; c < (i == 3 ? 2 : 5); ++c) {  // image 3 has two captions: rounds reuse them
      captions[i].push_back(image_embeddings[i] + torch::randn({dim}) * 0.8);
      rows_image.push_back(image_embeddings[i]);
      rows_text.push_back(captions[i].back());
      rows_id.push_back(torch::tensor(100 + i));
    }
  auto evaluator = make("{splits: 2, split_size: 4, rounds: 5}");
  const int64_t half = static_cast<int64_t>(rows_id.size()) / 2;
  auto batch = [&](int64_t begin, int64_t end) {
    return mmkd::TensorMap{
        {"image", torch::stack(std::vector<torch::Tensor>(rows_image.begin() + begin, rows_image.begin() + end))},
        {"text", torch::stack(std::vector<torch::Tensor>(rows_text.begin() + begin, rows_text.begin() + end))},
        {"image_id", torch::stack(std::vector<torch::Tensor>(rows_id.begin() + begin, rows_id.begin() + end))}};
  };
  evaluator->add(batch(0, half), kNoModels);
  evaluator->add(batch(half, static_cast<int64_t>(rows_id.size())), kNoModels);
  const auto metrics = evaluator->compute(kNoModels);
  const auto [i2t, t2i] = reference(image_embeddings, captions, 2, 4, 5);
  EXPECT_DOUBLE_EQ(metrics.at("i2t"), i2t);
  EXPECT_DOUBLE_EQ(metrics.at("t2i"), t2i);
  EXPECT_GT(i2t, 1.0);
}

TEST(MedianRank, PerfectAndTiedScores) {
  auto evaluator = make("{splits: 1, split_size: 3, rounds: 1}");
  torch::Tensor basis = torch::eye(3);
  evaluator->add({{"image", basis}, {"text", basis}, {"image_id", torch::arange(3)}}, kNoModels);
  EXPECT_DOUBLE_EQ(evaluator->compute(kNoModels).at("i2t"), 1.0);
  evaluator->reset();
  torch::Tensor same = torch::ones({3, 3});  // every score ties: each correct pair ranks last
  evaluator->add({{"image", same}, {"text", same}, {"image_id", torch::arange(3)}}, kNoModels);
  EXPECT_DOUBLE_EQ(evaluator->compute(kNoModels).at("t2i"), 3.0);
  const auto cells = evaluator->table({{"i2t", 1.5}, {"t2i", 2.04}});
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].heading, (std::vector<std::string>{"Image → Text"}));
  EXPECT_EQ(cells[1].value, "2.0");
}

TEST(MedianRank, NeedsEnoughImages) {
  auto evaluator = make("{}");
  evaluator->add({{"image", torch::randn({4, 2})}, {"text", torch::randn({4, 2})}, {"image_id", torch::arange(4)}}, kNoModels);
  mmkd::testing::expect_error_naming([&] { evaluator->compute(kNoModels); }, {"5 splits of 1000 images need 5000", "has 4"});
}

}  // namespace

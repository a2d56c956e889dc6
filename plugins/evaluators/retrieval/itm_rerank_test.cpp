#include "expect_error.hpp"
#include "fake_eval_models.hpp"
#include "mmkd_testing.hpp"
#include "reference_cosine.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace {

using mmkd::retrieval::testing::reference_cosine;

using mmkd::testing::expect_error_naming;

std::shared_ptr<mmkd::Evaluator> make_rerank(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Evaluator>("itm_rerank", options);
}

// ITM stand-in: the dot product of the pair's rows; the rows hold small integers, so ties are exact.
mmkd::TensorMap dot_score(const mmkd::TensorMap& pairs) {
  return {{"match_score", (pairs.at("image") * pairs.at("text")).sum(1)}};
}

mmkd::testing::FakeEvalModels with_itm(std::function<mmkd::TensorMap(const mmkd::TensorMap&)> itm) {
  mmkd::testing::FakeEvalModels models;
  models.losses["itm"] = std::move(itm);
  return models;
}

// Five captions per image; image i first appears in row i. Image 5 looks exactly like image 4 and
// caption `twin` exactly like caption 0 of another image, so similarities tie.
struct Captioned {
  torch::Tensor image_features, image_itm;  // [I, E], [I, dim]: one row per image
  torch::Tensor text_features, text_itm;    // [T, E], [T, dim]
  torch::Tensor image_of_text;              // [T]
};

Captioned five_captions_per_image(int64_t images) {
  Captioned data;
  const torch::Tensor rest = torch::arange(images, torch::kLong).repeat_interleave(4);
  data.image_of_text =
      torch::cat({torch::arange(images, torch::kLong), rest.index_select(0, torch::randperm(4 * images))});
  data.image_features = torch::randn({images, 4});
  data.image_features[images - 1] = data.image_features[images - 2];
  data.text_features = data.image_features.index_select(0, data.image_of_text) + 0.9 * torch::randn({5 * images, 4});
  const int64_t twin = (data.image_of_text != data.image_of_text[0]).nonzero()[0][0].item<int64_t>();
  data.text_features[twin] = data.text_features[0];
  data.image_itm = torch::randint(-2, 3, {images, 3}).to(torch::kFloat);
  data.text_itm = data.image_itm.index_select(0, data.image_of_text) + torch::randint(-2, 3, {5 * images, 3});
  return data;
}

std::map<std::string, double> evaluate_in_batches(mmkd::Evaluator& evaluator, const Captioned& data,
                                                  const mmkd::EvalModels& models, int64_t batch_size = 7) {
  evaluator.reset();
  for (int64_t begin = 0; begin < data.image_of_text.size(0); begin += batch_size) {
    const torch::Tensor ids = data.image_of_text.slice(0, begin, begin + batch_size);
    evaluator.add({{"image_features", data.image_features.index_select(0, ids)},
                   {"text_features", data.text_features.slice(0, begin, begin + batch_size)},
                   {"image", data.image_itm.index_select(0, ids)},
                   {"text", data.text_itm.slice(0, begin, begin + batch_size)},
                   {"image_id", ids + 100}},
                  models);
  }
  return evaluator.compute(models);
}

double dot_product(const torch::Tensor& a, const torch::Tensor& b) {
  double sum = 0;
  for (int64_t d = 0; d < a.size(0); ++d) sum += a[d].item<double>() * b[d].item<double>();
  return sum;
}

struct Candidate {
  double similarity, itm;
  bool correct;
};

// Candidates by similarity (wrong ones first among equals, then in order), the first k re-ordered by
// ITM score (wrong ones first among equals); the position of the first correct one.
int64_t reranked_position(std::vector<Candidate> candidates, int64_t k) {
  auto by = [](double Candidate::*score) {
    return [score](const Candidate& a, const Candidate& b) {
      return a.*score != b.*score ? a.*score > b.*score : a.correct < b.correct;
    };
  };
  std::stable_sort(candidates.begin(), candidates.end(), by(&Candidate::similarity));
  const auto top = candidates.begin() + std::min<int64_t>(k, static_cast<int64_t>(candidates.size()));
  std::stable_sort(candidates.begin(), top, by(&Candidate::itm));
  int64_t position = 0;
  while (!candidates[position].correct) ++position;
  return position;
}

// Recall@K of the re-ranking written with loops, i2t_r<K> and t2i_r<K>.
std::map<std::string, double> reference(const Captioned& data, int64_t k, const std::vector<int64_t>& ks) {
  const int64_t images = data.image_features.size(0), texts = data.text_features.size(0);
  std::vector<int64_t> i2t, t2i;
  for (int64_t i = 0; i < images; ++i) {
    std::vector<Candidate> candidates;
    for (int64_t t = 0; t < texts; ++t)
      candidates.push_back({reference_cosine(data.image_features[i], data.text_features[t]),
                            dot_product(data.image_itm[i], data.text_itm[t]), data.image_of_text[t].item<int64_t>() == i});
    i2t.push_back(reranked_position(candidates, k));
  }
  for (int64_t t = 0; t < texts; ++t) {
    std::vector<Candidate> candidates;
    for (int64_t i = 0; i < images; ++i)
      candidates.push_back({reference_cosine(data.image_features[i], data.text_features[t]),
                            dot_product(data.image_itm[i], data.text_itm[t]), data.image_of_text[t].item<int64_t>() == i});
    t2i.push_back(reranked_position(candidates, k));
  }
  std::map<std::string, double> metrics;
  for (int64_t K : ks) {
    auto recall = [K](const std::vector<int64_t>& positions) {
      return static_cast<double>(std::count_if(positions.begin(), positions.end(), [K](int64_t p) { return p < K; })) /
             static_cast<double>(positions.size());
    };
    metrics["i2t_r" + std::to_string(K)] = recall(i2t);
    metrics["t2i_r" + std::to_string(K)] = recall(t2i);
  }
  return metrics;
}

void expect_metrics_eq(const std::map<std::string, double>& actual, const std::map<std::string, double>& expected,
                       const std::string& where) {
  ASSERT_EQ(actual.size(), expected.size()) << where;
  for (const auto& [name, value] : expected) EXPECT_DOUBLE_EQ(actual.at(name), value) << where << " " << name;
}

TEST(ItmRerank, MatchesPlainRerankingWrittenWithLoops) {
  torch::manual_seed(11);
  const Captioned data = five_captions_per_image(6);  // 6 images, 30 captions
  const auto models = with_itm(dot_score);
  for (int64_t k : {2, 3, 7, 1000})  // k = 7: fewer than the captions, more than the images
    for (int64_t pair_batch : {5, 1024}) {
      auto evaluator = make_rerank(c10::str("{loss: itm, k: ", k, ", pair_batch: ", pair_batch, ", ks: [1, 2, 5]}"));
      expect_metrics_eq(evaluate_in_batches(*evaluator, data, models), reference(data, k, {1, 2, 5}),
                        c10::str("k ", k, " pair_batch ", pair_batch));
    }
  const auto reranked = reference(data, 3, {1});
  EXPECT_NE(reranked, reference(data, 1, {1}));  // the data re-ranks for real
  EXPECT_NE(reranked, reference(data, 1000, {1}));
}

TEST(ItmRerank, KAtLeastTheCandidatesRanksByItmScoreAlone) {
  torch::manual_seed(12);
  const Captioned data = five_captions_per_image(5);  // 5 images, 25 captions
  auto evaluator = make_rerank("{loss: itm, k: 25, ks: [1, 3, 5]}");
  const auto metrics = evaluate_in_batches(*evaluator, data, with_itm(dot_score));
  // Rank by ITM score alone: the wrong candidates scoring at least as high as the best correct one.
  std::map<std::string, double> expected;
  for (int64_t K : {1, 3, 5}) {
    double i2t = 0, t2i = 0;
    for (int64_t q = 0; q < 5; ++q) {
      double best = -1e9, ahead = 0;
      for (int64_t t = 0; t < 25; ++t)
        if (data.image_of_text[t].item<int64_t>() == q)
          best = std::max(best, dot_product(data.image_itm[q], data.text_itm[t]));
      for (int64_t t = 0; t < 25; ++t)
        ahead += data.image_of_text[t].item<int64_t>() != q && dot_product(data.image_itm[q], data.text_itm[t]) >= best;
      i2t += (ahead < K) / 5.0;
    }
    for (int64_t q = 0; q < 25; ++q) {
      const int64_t image = data.image_of_text[q].item<int64_t>();
      const double correct = dot_product(data.image_itm[image], data.text_itm[q]);
      double ahead = 0;
      for (int64_t i = 0; i < 5; ++i) ahead += i != image && dot_product(data.image_itm[i], data.text_itm[q]) >= correct;
      t2i += (ahead < K) / 25.0;
    }
    expected["i2t_r" + std::to_string(K)] = i2t;
    expected["t2i_r" + std::to_string(K)] = t2i;
  }
  for (const auto& [name, value] : expected) EXPECT_NEAR(metrics.at(name), value, 1e-12) << name;
  EXPECT_EQ(metrics.size(), 6u);
}

TEST(ItmRerank, KOfOneKeepsTheSimilarityRanking) {
  torch::manual_seed(13);
  const Captioned data = five_captions_per_image(6);
  auto evaluator = make_rerank("{loss: itm, k: 1}");
  auto retrieval = mmkd::testing::make<mmkd::Kind::Evaluator>("retrieval", "{}");
  const mmkd::testing::FakeEvalModels no_models;
  retrieval->add({{"image", data.image_features.index_select(0, data.image_of_text)},
                  {"text", data.text_features},
                  {"image_id", data.image_of_text}},
                 no_models);
  expect_metrics_eq(evaluate_in_batches(*evaluator, data, with_itm(dot_score)), retrieval->compute(no_models), "");
}

// ITM scores from a table: the `image` and `text` rows hold the row and column index.
mmkd::testing::FakeEvalModels itm_table(std::vector<std::vector<double>> itm) {
  return with_itm([itm](const mmkd::TensorMap& pairs) {
    const torch::Tensor image = pairs.at("image").reshape({-1}), text = pairs.at("text").reshape({-1});
    torch::Tensor score = torch::empty({image.size(0)});
    for (int64_t p = 0; p < image.size(0); ++p) score[p] = itm[image[p].item<int64_t>()][text[p].item<int64_t>()];
    return mmkd::TensorMap{{"match_score", score}};
  });
}

TEST(ItmRerank, HandCaseWithAnItmTie) {
  // Similarity ranks every pair first. ITM scores (image, text): (0, 0) = (0, 1) = 1, a tie that counts
  // against image 0; image 1 scores text 0 (3) above its own text 1 (2); text 0 scores image 1 above image 0.
  const auto models = itm_table({{1, 1}, {3, 2}});
  const mmkd::TensorMap batch = {{"image_features", torch::eye(2)},
                                 {"text_features", torch::eye(2)},
                                 {"image", torch::tensor({{0.0f}, {1.0f}})},
                                 {"text", torch::tensor({{0.0f}, {1.0f}})}};
  auto reranked = make_rerank("{loss: itm, k: 2, ks: [1, 2]}");
  reranked->add(batch, models);
  EXPECT_EQ(reranked->compute(models),
            (std::map<std::string, double>{{"i2t_r1", 0.0}, {"i2t_r2", 1.0}, {"t2i_r1", 0.5}, {"t2i_r2", 1.0}}));
  auto similarity_only = make_rerank("{loss: itm, k: 1, ks: [1]}");
  similarity_only->add(batch, models);
  EXPECT_EQ(similarity_only->compute(models), (std::map<std::string, double>{{"i2t_r1", 1.0}, {"t2i_r1", 1.0}}));
}

TEST(ItmRerank, WrongCandidateTiedAtTheKthPlaceEntersFirst) {
  // Image 0 has captions A = (1, 0) and B = (1, 1); image 1 = (0, 1) has caption W = (1, 1), tied with B
  // for both images. With k = 2 image 0's top 2 are A and W (not B, although B comes first), and ITM puts
  // W (5) above A (1): a miss at R@1 that B (10) would have made a hit. Image 1's top 2 are B and W,
  // tied in ITM (0): a miss. Text queries (k covers both images): W prefers image 0 (5 > 0), a miss.
  const auto models = itm_table({{1, 10, 5}, {0, 0, 0}});
  const mmkd::TensorMap batch = {{"image_features", torch::tensor({{1.0f, 0.0f}, {1.0f, 0.0f}, {0.0f, 1.0f}})},
                                 {"text_features", torch::tensor({{1.0f, 0.0f}, {1.0f, 1.0f}, {1.0f, 1.0f}})},
                                 {"image", torch::tensor({{0.0f}, {0.0f}, {1.0f}})},
                                 {"text", torch::tensor({{0.0f}, {1.0f}, {2.0f}})},
                                 {"image_id", torch::tensor({7, 7, 8})}};
  auto evaluator = make_rerank("{loss: itm, k: 2, ks: [1, 2]}");
  evaluator->add(batch, models);
  const auto metrics = evaluator->compute(models);
  EXPECT_EQ(metrics.at("i2t_r1"), 0.0);
  EXPECT_EQ(metrics.at("i2t_r2"), 1.0);
  EXPECT_DOUBLE_EQ(metrics.at("t2i_r1"), 2.0 / 3);
  EXPECT_EQ(metrics.at("t2i_r2"), 1.0);
}

TEST(ItmRerank, ScoresTopKPairsInCallsOfPairBatch) {
  torch::manual_seed(14);
  const Captioned data = five_captions_per_image(4);  // 4 images, 20 captions
  std::vector<int64_t> calls;
  auto models = with_itm([&](const mmkd::TensorMap& pairs) {
    EXPECT_EQ(pairs.size(), 2u);
    calls.push_back(pairs.at("image").size(0));
    return dot_score(pairs);
  });
  auto evaluator = make_rerank("{loss: itm, k: 3, pair_batch: 5}");
  evaluate_in_batches(*evaluator, data, models);
  EXPECT_EQ(std::accumulate(calls.begin(), calls.end(), int64_t{0}), 4 * 3 + 20 * 3);
  EXPECT_LE(*std::max_element(calls.begin(), calls.end()), 5);
  EXPECT_EQ(calls.size(), 3u + 12u);  // 12 image pairs in calls of 5, 5, 2; 60 text pairs in 12 calls
}

TEST(ItmRerank, TableIsTheRetrievalLayoutInPercent) {
  auto evaluator = make_rerank("{loss: itm, ks: [1, 5]}");
  const auto cells = evaluator->table({{"i2t_r1", 0.5}, {"i2t_r5", 0.875}, {"t2i_r1", 0.25}, {"t2i_r5", 1.0}});
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells[0].heading, (std::vector<std::string>{"Image → Text", "R@1"}));
  EXPECT_EQ(cells[0].value, "50.00");
  EXPECT_EQ(cells[1].value, "87.50");
  EXPECT_EQ(cells[3].heading, (std::vector<std::string>{"Text → Image", "R@5"}));
  EXPECT_EQ(cells[3].value, "100.00");
}

TEST(ItmRerank, DeclaredOutputsFollowKs) {
  const mmkd::Registry::Entry* entry = mmkd::testing::plugins().find(mmkd::Kind::Evaluator, "itm_rerank");
  ASSERT_NE(entry, nullptr);
  std::vector<std::string> names;
  for (const mmkd::Port& port : entry->info.outputs_for(
           mmkd::testing::options_for(mmkd::Kind::Evaluator, "itm_rerank", "{loss: itm, ks: [2, 7]}")))
    names.push_back(port.name);
  EXPECT_EQ(names, (std::vector<std::string>{"i2t_r2", "i2t_r7", "t2i_r2", "t2i_r7"}));
}

TEST(ItmRerank, ErrorsNameWhatIsWrong) {
  EXPECT_THROW(make_rerank("{}"), mmkd::ConfigError);  // `loss` is required
  EXPECT_THROW(make_rerank("{loss: itm, k: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_rerank("{loss: itm, pair_batch: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_rerank("{loss: itm, ks: []}"), mmkd::ConfigError);

  const mmkd::TensorMap batch = {{"image_features", torch::randn({3, 4})},
                                 {"text_features", torch::randn({3, 4})},
                                 {"image", torch::randn({3, 2})},
                                 {"text", torch::randn({3, 2})}};
  auto evaluator = make_rerank("{loss: itm}");
  const mmkd::testing::FakeEvalModels no_models;
  mmkd::TensorMap fewer = batch;
  fewer["image"] = torch::randn({2, 2});
  expect_error_naming([&] { evaluator->add(fewer, no_models); },
                      {"itm_rerank", "`image_features`", "`image`", "[2, 2]"});
  mmkd::TensorMap mismatched = batch;
  mismatched["text"] = torch::randn({3, 5});
  expect_error_naming([&] { evaluator->add(mismatched, no_models); }, {"itm_rerank", "`image`", "`text`", "[3, 5]"});

  evaluator->add(batch, no_models);
  expect_error_naming([&] { evaluator->compute(no_models); }, {"itm"});
  const auto matrix = with_itm([](const mmkd::TensorMap& pairs) {
    return mmkd::TensorMap{{"match_score", torch::zeros({pairs.at("image").size(0), 2})}};
  });
  expect_error_naming([&] { evaluator->compute(matrix); },
                      {"itm_rerank", "`itm`", "`match_score`", "[9, 2]", "expected [9]"});
  const auto nameless =
      with_itm([](const mmkd::TensorMap& pairs) { return mmkd::TensorMap{{"score", pairs.at("image")}}; });
  expect_error_naming([&] { evaluator->compute(nameless); }, {"match_score"});
  evaluator->reset();
  expect_error_naming([&] { evaluator->compute(with_itm(dot_score)); }, {"itm_rerank", "before any embeddings"});
}

}  // namespace

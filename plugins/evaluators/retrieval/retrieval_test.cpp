#include "fake_eval_models.hpp"
#include "mmkd_testing.hpp"
#include "reference_cosine.hpp"
#include "recall_at_k.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

using mmkd::retrieval::testing::reference_cosine;

using mmkd::testing::kNoModels;


std::shared_ptr<mmkd::Evaluator> make_retrieval(const std::string& options = "{}") {
  return mmkd::testing::make<mmkd::Kind::Evaluator>("retrieval", options);
}

// Sorts each query's candidates by score, wrong ones first among equals, and finds the first
// correct one.
double reference_recall(const torch::Tensor& queries, const torch::Tensor& candidates,
                        const std::vector<std::vector<bool>>& correct, int64_t k) {
  int hits = 0;
  for (int64_t q = 0; q < queries.size(0); ++q) {
    std::vector<std::pair<double, bool>> ranked;
    for (int64_t c = 0; c < candidates.size(0); ++c) ranked.push_back({reference_cosine(queries[q], candidates[c]), correct[q][c]});
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (int64_t position = 0; position < k && position < static_cast<int64_t>(ranked.size()); ++position)
      if (ranked[position].second) {
        ++hits;
        break;
      }
  }
  return static_cast<double>(hits) / static_cast<double>(queries.size(0));
}

struct CaptionedImages {
  torch::Tensor images;    // [N, D], one row per image
  torch::Tensor captions;  // [M, D]
  torch::Tensor image_of_caption;  // [M]
};

CaptionedImages five_captions_per_image(int64_t images, int64_t dim, double noise) {
  CaptionedImages data;
  data.images = torch::randn({images, dim}, torch::kDouble);
  data.image_of_caption = torch::arange(images, torch::kLong).repeat_interleave(5);
  data.image_of_caption = data.image_of_caption.index_select(0, torch::randperm(5 * images, torch::kLong));
  data.captions = data.images.index_select(0, data.image_of_caption) + noise * torch::randn({5 * images, dim}, torch::kDouble);
  return data;
}

std::map<std::string, double> evaluate_in_batches(mmkd::Evaluator& evaluator, const CaptionedImages& data,
                                                  int64_t batch_size) {
  for (int64_t begin = 0; begin < data.captions.size(0); begin += batch_size) {
    torch::Tensor ids = data.image_of_caption.slice(0, begin, begin + batch_size);
    evaluator.add({{"image", data.images.index_select(0, ids)},
                   {"text", data.captions.slice(0, begin, begin + batch_size)},
                   {"image_id", ids + 100}}, kNoModels);
  }
  return evaluator.compute(kNoModels);
}

TEST(Retrieval, MatchesSortingReferenceWithFiveCaptionsPerImage) {
  torch::manual_seed(4);
  CaptionedImages data = five_captions_per_image(12, 6, 1.2);
  auto retrieval = make_retrieval();
  std::map<std::string, double> metrics = evaluate_in_batches(*retrieval, data, 16);

  std::vector<std::vector<bool>> i2t_correct(12, std::vector<bool>(60)), t2i_correct(60, std::vector<bool>(12));
  for (int64_t c = 0; c < 60; ++c) {
    const int64_t image = data.image_of_caption[c].item<int64_t>();
    i2t_correct[image][c] = t2i_correct[c][image] = true;
  }
  ASSERT_EQ(metrics.size(), 6u);
  for (int64_t k : {1, 5, 10}) {
    EXPECT_NEAR(metrics.at("i2t_r" + std::to_string(k)), reference_recall(data.images, data.captions, i2t_correct, k),
                1e-12) << k;
    EXPECT_NEAR(metrics.at("t2i_r" + std::to_string(k)), reference_recall(data.captions, data.images, t2i_correct, k),
                1e-12) << k;
  }
  EXPECT_GT(metrics.at("t2i_r1"), 0.0);
  EXPECT_LT(metrics.at("t2i_r1"), 1.0);
  EXPECT_LT(metrics.at("i2t_r1"), metrics.at("i2t_r10"));
}

TEST(Retrieval, KeepsTheFirstRowOfEachImageId) {
  torch::manual_seed(5);
  CaptionedImages data = five_captions_per_image(6, 4, 1.0);
  auto expected = make_retrieval();
  std::map<std::string, double> reference = evaluate_in_batches(*expected, data, 30);

  auto retrieval = make_retrieval();
  torch::Tensor ids = data.image_of_caption;
  torch::Tensor images = data.images.index_select(0, ids);
  std::vector<bool> seen(6);
  for (int64_t row = 0; row < ids.size(0); ++row) {
    const int64_t id = ids[row].item<int64_t>();
    if (seen[id]) images[row] = torch::randn({4}, torch::kDouble);
    seen[id] = true;
  }
  retrieval->add({{"image", images}, {"text", data.captions}, {"image_id", ids + 100}}, kNoModels);
  EXPECT_EQ(retrieval->compute(kNoModels), reference);
}

TEST(Retrieval, TiesCountAgainstTheModel) {
  auto retrieval = make_retrieval("{ks: [1, 3, 4]}");
  torch::Tensor same = torch::ones({4, 5});
  retrieval->add({{"image", same}, {"text", same}}, kNoModels);
  std::map<std::string, double> metrics = retrieval->compute(kNoModels);
  for (const char* name : {"i2t_r1", "i2t_r3", "t2i_r1", "t2i_r3"}) EXPECT_EQ(metrics.at(name), 0.0) << name;
  EXPECT_EQ(metrics.at("i2t_r4"), 1.0);
  EXPECT_EQ(metrics.at("t2i_r4"), 1.0);
}

TEST(Retrieval, HandCaseWithOneTie) {
  // Image 0 scores text 0 and text 1 equally (a miss at K=1); image 1 prefers text 1.
  torch::Tensor image = torch::tensor({1.0, 0.0, 0.0, 1.0}).reshape({2, 2});
  torch::Tensor text = torch::tensor({1.0, 1.0, 1.0, 1.0}).reshape({2, 2});
  auto retrieval = make_retrieval("{ks: [1, 2]}");
  retrieval->add({{"image", image}, {"text", text}}, kNoModels);
  std::map<std::string, double> metrics = retrieval->compute(kNoModels);
  EXPECT_EQ(metrics.at("i2t_r1"), 0.0);
  EXPECT_EQ(metrics.at("i2t_r2"), 1.0);
  EXPECT_EQ(metrics.at("t2i_r1"), 0.0);  // each text scores both images equally
  EXPECT_EQ(metrics.at("t2i_r2"), 1.0);
}

TEST(Retrieval, KAtLeastTheNumberOfCandidatesAlwaysHits) {
  torch::manual_seed(6);
  CaptionedImages data = five_captions_per_image(5, 3, 3.0);
  auto retrieval = make_retrieval("{ks: [5, 25, 100]}");
  std::map<std::string, double> metrics = evaluate_in_batches(*retrieval, data, 7);
  EXPECT_EQ(metrics.at("t2i_r5"), 1.0);  // 5 images
  EXPECT_EQ(metrics.at("i2t_r25"), 1.0);  // 25 captions
  EXPECT_EQ(metrics.at("i2t_r100"), 1.0);
}

TEST(Retrieval, IdenticalEmbeddingsRetrievePerfectly) {
  auto retrieval = make_retrieval("{ks: [1]}");
  torch::Tensor embeddings = torch::eye(8) * 3;
  retrieval->add({{"image", embeddings.slice(0, 0, 5)}, {"text", embeddings.slice(0, 0, 5)}}, kNoModels);
  retrieval->add({{"image", embeddings.slice(0, 5)}, {"text", embeddings.slice(0, 5)}}, kNoModels);
  std::map<std::string, double> metrics = retrieval->compute(kNoModels);
  EXPECT_EQ(metrics, (std::map<std::string, double>{{"i2t_r1", 1.0}, {"t2i_r1", 1.0}}));
}

TEST(Retrieval, ResetForgetsEarlierBatches) {
  auto retrieval = make_retrieval("{ks: [1]}");
  torch::Tensor same = torch::ones({4, 3});
  retrieval->add({{"image", same}, {"text", same}}, kNoModels);
  retrieval->reset();
  EXPECT_THROW(retrieval->compute(kNoModels), mmkd::Error);
  retrieval->add({{"image", torch::eye(3)}, {"text", torch::eye(3)}}, kNoModels);
  EXPECT_EQ(retrieval->compute(kNoModels).at("i2t_r1"), 1.0);
}

TEST(Retrieval, DeclaredOutputsFollowKs) {
  const mmkd::Registry::Entry* entry = mmkd::testing::plugins().find(mmkd::Kind::Evaluator, "retrieval");
  ASSERT_NE(entry, nullptr);
  std::vector<std::string> names;
  for (const mmkd::Port& port :
       entry->info.outputs_for(mmkd::testing::options_for(mmkd::Kind::Evaluator, "retrieval", "{ks: [2, 7]}")))
    names.push_back(port.name);
  EXPECT_EQ(names, (std::vector<std::string>{"i2t_r2", "i2t_r7", "t2i_r2", "t2i_r7"}));
}

TEST(Retrieval, RejectsInconsistentInputs) {
  auto retrieval = make_retrieval();
  EXPECT_THROW(retrieval->add({{"image", torch::ones({3, 4})}, {"text", torch::ones({2, 4})}}, kNoModels), mmkd::Error);
  EXPECT_THROW(retrieval->add({{"image", torch::ones({3, 4})}, {"text", torch::ones({3, 4})},
                               {"image_id", torch::zeros({2}, torch::kLong)}}, kNoModels),
               mmkd::Error);
  retrieval->add({{"image", torch::ones({3, 4})}, {"text", torch::ones({3, 4})}}, kNoModels);
  EXPECT_THROW(retrieval->add({{"image", torch::ones({3, 4})}, {"text", torch::ones({3, 4})},
                               {"image_id", torch::zeros({3}, torch::kLong)}}, kNoModels),
               mmkd::Error);
  EXPECT_THROW(make_retrieval("{ks: [0]}"), mmkd::ConfigError);
  EXPECT_THROW(make_retrieval("{ks: []}"), mmkd::ConfigError);
}

TEST(RecallAtK, CountsOnlyWrongCandidatesAhead) {
  // Query 0: correct candidates 1 and 2; candidate 0 scores higher than both -> rank 1.
  // Query 1: correct candidate 0 ties with candidate 2 -> rank 1.
  torch::Tensor similarity = torch::tensor({0.9, 0.5, 0.8, 0.7, 0.1, 0.7}).reshape({2, 3});
  torch::Tensor correct = torch::tensor({0, 1, 1, 1, 0, 0}, torch::kBool).reshape({2, 3});
  EXPECT_EQ(mmkd::retrieval::recall_at_k(similarity, correct, {1, 2, 3}), (std::vector<double>{0.0, 1.0, 1.0}));
}

}  // namespace

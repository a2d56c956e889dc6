#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <array>
#include <cmath>
#include <mmkd/mmkd.hpp>
#include <string>
#include <vector>

#include "concat_mlp_head.hpp"
#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "itm_negatives.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"

namespace {

using mmkd::testing::expect_error_naming;

mmkd::Context with_seed(uint64_t seed) {
  mmkd::Context context;
  context.seed = seed;
  return context;
}

std::shared_ptr<mmkd::Loss> make_loss(const std::string& options, uint64_t seed = 0) {
  return mmkd::testing::make<mmkd::Kind::Loss>("itm", options, with_seed(seed));
}

torch::Tensor parameter(const std::shared_ptr<mmkd::Loss>& loss, const std::string& name) {
  return loss->named_parameters()[name];
}

using Logits = std::array<double, 2>;  // 0 no match, 1 match

// Eq. 64-65 as loops in double: classifier(W_image image + W_text text).
Logits projected_sum_logits(const std::shared_ptr<mmkd::Loss>& loss, const torch::Tensor& image_row,
                            const torch::Tensor& text_row) {
  const torch::Tensor w_image = parameter(loss, "image_projection.weight"),
                      w_text = parameter(loss, "text_projection.weight");
  const torch::Tensor w_cls = parameter(loss, "classifier.weight"), b_cls = parameter(loss, "classifier.bias");
  const int64_t dim = image_row.size(0), hidden = w_image.size(0);
  Logits logit = {b_cls[0].item<double>(), b_cls[1].item<double>()};
  for (int64_t h = 0; h < hidden; ++h) {
    double fused = 0;
    for (int64_t d = 0; d < dim; ++d)
      fused += w_image[h][d].item<double>() * image_row[d].item<double>() +
               w_text[h][d].item<double>() * text_row[d].item<double>();
    for (int64_t c = 0; c < 2; ++c) logit[c] += w_cls[c][h].item<double>() * fused;
  }
  return logit;
}

// The thesis code's head as loops in double, from the parameters `prefix`fc1, norm, fc2 of `head`:
// fc2(LayerNorm(GELU(fc1([image / |image|, text / |text|])))), LayerNorm eps 1e-6, exact GELU.
Logits concat_mlp_logits(const torch::nn::Module& head, const std::string& prefix, const torch::Tensor& image_row,
                         const torch::Tensor& text_row) {
  const auto parameters = head.named_parameters();
  auto p = [&](const std::string& name) { return parameters[prefix + name]; };
  const torch::Tensor w1 = p("fc1.weight"), b1 = p("fc1.bias"), gamma = p("norm.weight"), beta = p("norm.bias");
  const torch::Tensor w2 = p("fc2.weight"), b2 = p("fc2.bias");
  std::vector<double> pair;  // normalise, concatenate
  for (const torch::Tensor& row : {image_row, text_row}) {
    double squares = 0;
    for (int64_t d = 0; d < row.size(0); ++d) squares += std::pow(row[d].item<double>(), 2);
    for (int64_t d = 0; d < row.size(0); ++d) pair.push_back(row[d].item<double>() / std::sqrt(squares));
  }
  const int64_t hidden = w1.size(0);
  std::vector<double> h(hidden);
  double mean = 0, variance = 0;
  for (int64_t j = 0; j < hidden; ++j) {
    double linear = b1[j].item<double>();
    for (size_t k = 0; k < pair.size(); ++k) linear += w1[j][k].item<double>() * pair[k];
    h[j] = 0.5 * linear * (1 + std::erf(linear / std::sqrt(2.0)));
    mean += h[j] / hidden;
  }
  for (int64_t j = 0; j < hidden; ++j) variance += std::pow(h[j] - mean, 2) / hidden;
  Logits logit = {b2[0].item<double>(), b2[1].item<double>()};
  for (int64_t j = 0; j < hidden; ++j) {
    const double normed = (h[j] - mean) / std::sqrt(variance + 1e-6) * gamma[j].item<double>() + beta[j].item<double>();
    for (int64_t c = 0; c < 2; ++c) logit[c] += w2[c][j].item<double>() * normed;
  }
  return logit;
}

// The reference logits of the loss' head for (image row, text row).
Logits reference_logits(const std::shared_ptr<mmkd::Loss>& loss, const torch::Tensor& image_row,
                        const torch::Tensor& text_row) {
  return loss->named_parameters().contains("mlp.fc1.weight") ? concat_mlp_logits(*loss, "mlp.", image_row, text_row)
                                                              : projected_sum_logits(loss, image_row, text_row);
}

// Eq. 67 as a loop in double: pairs (i, i) match, (i, text_of_image[i]) and (image_of_text[j], j) do not.
double loop_loss(const std::shared_ptr<mmkd::Loss>& loss, const torch::Tensor& image, const torch::Tensor& text,
                 const mmkd::itm::Negatives& negatives) {
  auto pair_loss = [&](int64_t i, int64_t j, int64_t label) {
    const Logits logit = reference_logits(loss, image[i], text[j]);
    return -std::log(std::exp(logit[label]) / (std::exp(logit[0]) + std::exp(logit[1])));
  };
  const int64_t batch = image.size(0);
  double total = 0;
  for (int64_t i = 0; i < batch; ++i) {
    total += pair_loss(i, i, 1);
    total += pair_loss(i, negatives.text_of_image[i].item<int64_t>(), 0);
    total += pair_loss(negatives.image_of_text[i].item<int64_t>(), i, 0);
  }
  return total / (3 * batch);
}

mmkd::itm::Negatives expected_negatives(uint64_t seed, int64_t step, const torch::Tensor* similarity, int64_t batch) {
  at::Generator generator = mmkd::itm::negative_generator(seed, 0, step);
  return similarity ? mmkd::itm::hard_negatives(*similarity, 0.07, generator)
                    : mmkd::itm::random_negatives(batch, generator);
}

TEST(Itm, HandCaseWithTwoPairs) {
  // dim = hidden = 1, unit projections and a head with logits (-s, s) for the fused s = image + text. With
  // two pairs the only negative partner is the other pair, for random and hard negatives alike:
  // matches s00 = 0.75, s11 = 0.5; negatives (0, 1) twice at s = 1.5 and (1, 0) twice at s = -0.25.
  for (const std::string negatives : {"random", "hard"}) {
    auto loss = make_loss("{dim: 1, hidden_dim: 1, negatives: " + negatives + "}");
    {
      torch::NoGradGuard no_grad;
      parameter(loss, "image_projection.weight").fill_(1.0);
      parameter(loss, "text_projection.weight").fill_(1.0);
      parameter(loss, "classifier.weight").copy_(torch::tensor({{-1.0f}, {1.0f}}));
      parameter(loss, "classifier.bias").zero_();
    }
    torch::Tensor image = torch::tensor({{0.5f}, {-0.5f}}), text = torch::tensor({{0.25f}, {1.0f}});
    mmkd::LossOutput out = loss->compute({{"image", image}, {"text", text}});
    auto softplus = [](double x) { return std::log(1 + std::exp(x)); };
    const double expected = (softplus(-1.5) + softplus(-1.0) + 2 * softplus(3.0) + 2 * softplus(-0.5)) / 6;
    EXPECT_NEAR(out.loss.item<double>(), expected, 1e-6) << negatives;
    EXPECT_NEAR(out.metrics.at("positive_accuracy").item<double>(), 1.0, 1e-7);
    EXPECT_NEAR(out.metrics.at("negative_accuracy").item<double>(), 0.5, 1e-7);
    EXPECT_NEAR(out.metrics.at("accuracy").item<double>(), 4.0 / 6, 1e-6);
    EXPECT_FALSE(out.metrics.at("accuracy").requires_grad());
  }
}

TEST(Itm, RandomNegativesMatchLoopImplementation) {
  torch::manual_seed(0);
  auto loss = make_loss("{dim: 3, hidden_dim: 4, negatives: random}", 11);
  loss->to(torch::kDouble);
  torch::Tensor image = torch::randn({5, 3}, torch::kDouble), text = torch::randn({5, 3}, torch::kDouble);
  for (int64_t step = 0; step < 3; ++step) {
    const double value = loss->compute({{"image", image}, {"text", text}}).loss.item<double>();
    EXPECT_NEAR(value, loop_loss(loss, image, text, expected_negatives(11, step, nullptr, 5)), 1e-10) << step;
  }
}

TEST(Itm, HardNegativesMatchLoopImplementation) {
  torch::manual_seed(1);
  auto loss = make_loss("{dim: 3, hidden_dim: 2}", 5);
  loss->to(torch::kDouble);
  torch::Tensor image = torch::randn({6, 3}, torch::kDouble), text = torch::randn({6, 3}, torch::kDouble);
  torch::Tensor image_features = torch::randn({6, 4}, torch::kDouble),
                text_features = torch::randn({6, 4}, torch::kDouble);
  const torch::Tensor similarity = mmkd::cosine_similarity_matrix(image_features, text_features);
  const double value =
      loss->compute(
              {{"image", image}, {"text", text}, {"image_features", image_features}, {"text_features", text_features}})
          .loss.item<double>();
  EXPECT_NEAR(value, loop_loss(loss, image, text, expected_negatives(5, 0, &similarity, 6)), 1e-10);
}

TEST(Itm, HardNegativesDefaultToTheFusedRepresentations) {
  torch::manual_seed(2);
  auto loss = make_loss("{dim: 3, hidden_dim: 2}", 3);
  loss->to(torch::kDouble);
  torch::Tensor image = torch::randn({6, 3}, torch::kDouble), text = torch::randn({6, 3}, torch::kDouble);
  const torch::Tensor similarity = mmkd::cosine_similarity_matrix(image, text);
  const double value = loss->compute({{"image", image}, {"text", text}}).loss.item<double>();
  EXPECT_NEAR(value, loop_loss(loss, image, text, expected_negatives(3, 0, &similarity, 6)), 1e-10);
}

TEST(Itm, TwoLayerNodesReadingTheSameFeaturesDrawTheSameNegatives) {
  // Eq. 66 as two nodes: the outputs of linear #1 (here 5 wide) and linear #2 (3 wide), hard negatives
  // from the same contrastive features, over two training steps.
  torch::manual_seed(6);
  auto layer_1 = make_loss("{dim: 5, hidden_dim: 2}", 4), layer_2 = make_loss("{dim: 3, hidden_dim: 2}", 4);
  layer_1->to(torch::kDouble);
  layer_2->to(torch::kDouble);
  torch::Tensor image_1 = torch::randn({6, 5}, torch::kDouble), text_1 = torch::randn({6, 5}, torch::kDouble);
  torch::Tensor image_2 = torch::randn({6, 3}, torch::kDouble), text_2 = torch::randn({6, 3}, torch::kDouble);
  torch::Tensor image_features = torch::randn({6, 4}, torch::kDouble),
                text_features = torch::randn({6, 4}, torch::kDouble);
  const torch::Tensor similarity = mmkd::cosine_similarity_matrix(image_features, text_features);
  for (int64_t step = 0; step < 2; ++step) {
    const mmkd::itm::Negatives shared = expected_negatives(4, step, &similarity, 6);
    const double value_1 = layer_1
                               ->compute({{"image", image_1},
                                          {"text", text_1},
                                          {"image_features", image_features},
                                          {"text_features", text_features}})
                               .loss.item<double>();
    const double value_2 = layer_2
                               ->compute({{"image", image_2},
                                          {"text", text_2},
                                          {"image_features", image_features},
                                          {"text_features", text_features}})
                               .loss.item<double>();
    EXPECT_NEAR(value_1, loop_loss(layer_1, image_1, text_1, shared), 1e-10) << step;
    EXPECT_NEAR(value_2, loop_loss(layer_2, image_2, text_2, shared), 1e-10) << step;
  }
}

TEST(Itm, StepCountsTrainingBatchesOnlyAndRestoresTheDraws) {
  torch::manual_seed(3);
  torch::Tensor image = torch::randn({8, 3}), text = torch::randn({8, 3});
  const mmkd::TensorMap inputs = {{"image", image}, {"text", text}};
  auto original = make_loss("{dim: 3, hidden_dim: 4, negatives: random}", 9);
  for (int i = 0; i < 3; ++i) original->compute(inputs);
  EXPECT_EQ(original->named_buffers()["step"].item<int64_t>(), 3);
  original->eval();
  const double validation = original->compute(inputs).loss.item<double>();
  EXPECT_EQ(original->compute(inputs).loss.item<double>(), validation);
  EXPECT_EQ(original->named_buffers()["step"].item<int64_t>(), 3);
  original->train();

  auto restored = make_loss("{dim: 3, hidden_dim: 4, negatives: random}", 9);
  mmkd::testing::copy_state(*original, *restored);
  auto fresh = make_loss("{dim: 3, hidden_dim: 4, negatives: random}", 9);
  mmkd::testing::copy_parameters(*original, *fresh);
  const double next = original->compute(inputs).loss.item<double>();
  EXPECT_EQ(restored->compute(inputs).loss.item<double>(), next);
  EXPECT_NE(fresh->compute(inputs).loss.item<double>(), next);
}

TEST(Itm, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(4);
  auto loss = make_loss("{dim: 3, hidden_dim: 2}", 1);
  loss->to(torch::kDouble);
  loss->eval();  // the same negatives at every evaluation
  torch::Tensor image = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  torch::Tensor text = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  const torch::Tensor image_features = torch::randn({4, 3}, torch::kDouble),
                      text_features = torch::randn({4, 3}, torch::kDouble);
  auto f = [&] {
    return loss
        ->compute(
            {{"image", image}, {"text", text}, {"image_features", image_features}, {"text_features", text_features}})
        .loss;
  };
  mmkd::testing::NamedLeaves leaves = {{"image", image}, {"text", text}};
  for (const auto& item : loss->named_parameters()) leaves.emplace_back(item.key(), item.value());
  ASSERT_EQ(leaves.size(), 6u);
  mmkd::testing::expect_gradients_match_finite_differences(f, leaves);
}

TEST(Itm, Bf16InputsGiveAFloat32Loss) {
  torch::manual_seed(5);
  auto loss = make_loss("{dim: 4, hidden_dim: 4}");
  torch::Tensor image = torch::randn({4, 4}).to(torch::kBFloat16), text = torch::randn({4, 4}).to(torch::kBFloat16);
  mmkd::LossOutput out = loss->compute({{"image", image}, {"text", text}});
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_TRUE(std::isfinite(out.loss.item<double>()));
}

TEST(Itm, ShapeErrorsNameThePortsAndShapes) {
  auto loss = make_loss("{dim: 3, hidden_dim: 2}");
  torch::Tensor pairs = torch::randn({4, 3});
  expect_error_naming(
      [&] {
        loss->compute({{"image", torch::randn({4, 3})}, {"text", torch::randn({3, 3})}});
      },
      {"itm", "`image`", "`text`", "[4, 3]", "[3, 3]", "[B, 3]"});
  expect_error_naming(
      [&] {
        loss->compute({{"image", torch::randn({4, 5})}, {"text", torch::randn({4, 5})}});
      },
      {"`image`", "[4, 5]", "[B, 3]"});
  expect_error_naming(
      [&] {
        loss->compute({{"image", pairs},
                       {"text", pairs},
                       {"image_features", torch::randn({4, 6})},
                       {"text_features", torch::randn({4, 5})}});
      },
      {"`image_features`", "`text_features`", "[4, 6]", "[4, 5]"});
  expect_error_naming(
      [&] {
        loss->compute({{"image", pairs},
                       {"text", pairs},
                       {"image_features", torch::randn({5, 6})},
                       {"text_features", torch::randn({5, 6})}});
      },
      {"`image_features`", "[5, 6]", "`image`", "[4, 3]"});
  expect_error_naming(
      [&] {
        loss->compute({{"image", pairs}, {"text", pairs}, {"image_features", pairs}});
      },
      {"`image_features`", "`text_features`"});
  expect_error_naming(
      [&] {
        loss->compute({{"image", torch::randn({1, 3})}, {"text", torch::randn({1, 3})}});
      },
      {"at least 2", "[1, 3]"});
  expect_error_naming([&] { loss->compute({{"image", pairs}}); }, {"text"});
}

// logit(match) - logit(no match) of each pair (image row i, text row i) by Itm::evaluate.
std::vector<double> match_scores(const std::shared_ptr<mmkd::Loss>& loss, const torch::Tensor& image,
                                 const torch::Tensor& text) {
  const torch::Tensor scores = loss->evaluate({{"image", image}, {"text", text}}).at("match_score");
  EXPECT_EQ(scores.sizes(), torch::IntArrayRef({image.size(0)}));
  EXPECT_EQ(scores.scalar_type(), torch::kFloat);
  std::vector<double> out;
  for (int64_t i = 0; i < scores.size(0); ++i) out.push_back(scores[i].item<double>());
  return out;
}

TEST(Itm, MatchScoresGiveComputesLossOnItsPairs) {
  // Two classes: the cross entropy of a pair is softplus(-score) for a match, softplus(score) for a negative.
  torch::manual_seed(7);
  auto loss = make_loss("{dim: 3, hidden_dim: 4, negatives: random}", 2);
  loss->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*loss);
  const int64_t batch = 5;
  torch::Tensor image = torch::randn({batch, 3}, torch::kDouble), text = torch::randn({batch, 3}, torch::kDouble);
  const mmkd::itm::Negatives negatives = expected_negatives(2, 0, nullptr, batch);
  const torch::Tensor rows = torch::arange(batch, torch::kLong);
  const torch::Tensor image_index = torch::cat({rows, rows, negatives.image_of_text});
  const torch::Tensor text_index = torch::cat({rows, negatives.text_of_image, rows});
  const std::vector<double> scores =
      match_scores(loss, image.index_select(0, image_index), text.index_select(0, text_index));
  double expected = 0;
  for (int64_t p = 0; p < 3 * batch; ++p)
    expected += std::log1p(std::exp(p < batch ? -scores[p] : scores[p])) / (3 * batch);
  EXPECT_NEAR(loss->compute({{"image", image}, {"text", text}}).loss.item<double>(), expected, 1e-6);
}

TEST(Itm, MatchScoresMatchLoopImplementationAndLeaveTheStepAlone) {
  torch::manual_seed(8);
  auto loss = make_loss("{dim: 3, hidden_dim: 2}");
  loss->to(torch::kDouble);
  torch::Tensor image = torch::randn({4, 3}, torch::kDouble), text = torch::randn({4, 3}, torch::kDouble);
  const torch::Tensor w_image = parameter(loss, "image_projection.weight"),
                      w_text = parameter(loss, "text_projection.weight");
  const torch::Tensor w_cls = parameter(loss, "classifier.weight"), b_cls = parameter(loss, "classifier.bias");
  const std::vector<double> scores = match_scores(loss, image, text);
  for (int64_t i = 0; i < 4; ++i) {
    double logit[2] = {b_cls[0].item<double>(), b_cls[1].item<double>()};
    for (int64_t h = 0; h < 2; ++h) {
      double fused = 0;
      for (int64_t d = 0; d < 3; ++d)
        fused += w_image[h][d].item<double>() * image[i][d].item<double>() +
                 w_text[h][d].item<double>() * text[i][d].item<double>();  // Eq. 64
      for (int64_t c = 0; c < 2; ++c) logit[c] += w_cls[c][h].item<double>() * fused;  // Eq. 65
    }
    EXPECT_NEAR(scores[i], logit[1] - logit[0], 1e-6) << i;
  }
  EXPECT_EQ(match_scores(loss, image.narrow(0, 0, 1), text.narrow(0, 0, 1)).size(), 1u);  // no negatives needed
  EXPECT_EQ(loss->named_buffers()["step"].item<int64_t>(), 0);
  EXPECT_EQ(match_scores(make_loss("{dim: 3, hidden_dim: 2}"), image.to(torch::kBFloat16), text).size(), 4u);
  expect_error_naming([&] { loss->evaluate({{"image", image}, {"text", text.narrow(0, 0, 3)}}); },
                      {"itm", "`image`", "`text`", "[4, 3]", "[3, 3]"});
  expect_error_naming([&] { loss->evaluate({{"image", image}}); }, {"text"});
}

TEST(Itm, BadOptionsAreConfigErrors) {
  EXPECT_THROW(make_loss("{negatives: semi}"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("{dim: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("{temperature: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("{head: mlp}"), mmkd::ConfigError);
  EXPECT_EQ(parameter(make_loss("{dim: 5, hidden_dim: 7}"), "image_projection.weight").sizes(),
            torch::IntArrayRef({7, 5}));
}

TEST(Itm, ConcatMlpHeadLogitsMatchHandWrittenReference) {
  torch::manual_seed(9);
  mmkd::itm::ConcatMlpHead head(3, 4);
  head->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*head);
  torch::Tensor image = torch::randn({5, 3}, torch::kDouble), text = torch::randn({5, 3}, torch::kDouble);
  const torch::Tensor logits = head(image, text);
  ASSERT_EQ(logits.sizes(), torch::IntArrayRef({5, 2}));
  for (int64_t p = 0; p < 5; ++p) {
    const Logits expected = concat_mlp_logits(*head, "", image[p], text[p]);
    for (int64_t c = 0; c < 2; ++c) EXPECT_NEAR(logits[p][c].item<double>(), expected[c], 1e-10) << p << ", " << c;
  }
}

TEST(Itm, ConcatMlpLossMatchesLoopImplementation) {
  torch::manual_seed(10);
  torch::Tensor image = torch::randn({5, 3}, torch::kDouble), text = torch::randn({5, 3}, torch::kDouble);
  auto random = make_loss("{dim: 3, hidden_dim: 4, head: concat_mlp, negatives: random}", 12);
  random->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*random);
  for (int64_t step = 0; step < 2; ++step) {
    const double value = random->compute({{"image", image}, {"text", text}}).loss.item<double>();
    EXPECT_NEAR(value, loop_loss(random, image, text, expected_negatives(12, step, nullptr, 5)), 1e-10) << step;
  }
  auto hard = make_loss("{dim: 3, hidden_dim: 4, head: concat_mlp}", 13);
  hard->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*hard);
  const torch::Tensor similarity = mmkd::cosine_similarity_matrix(image, text);
  EXPECT_NEAR(hard->compute({{"image", image}, {"text", text}}).loss.item<double>(),
              loop_loss(hard, image, text, expected_negatives(13, 0, &similarity, 5)), 1e-10);
}

TEST(Itm, ConcatMlpMatchScoresMatchReferenceForItmRerank) {
  // itm_rerank scores its candidate pairs through Loss::evaluate, from CPU rows, any number of pairs.
  torch::manual_seed(11);
  auto loss = make_loss("{dim: 3, hidden_dim: 4, head: concat_mlp}");
  loss->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*loss);
  torch::Tensor image = torch::randn({4, 3}, torch::kDouble), text = torch::randn({4, 3}, torch::kDouble);
  const std::vector<double> scores = match_scores(loss, image, text);
  for (int64_t i = 0; i < 4; ++i) {
    const Logits logit = concat_mlp_logits(*loss, "mlp.", image[i], text[i]);
    EXPECT_NEAR(scores[i], logit[1] - logit[0], 1e-6) << i;
  }
  EXPECT_EQ(match_scores(loss, image.narrow(0, 0, 1), text.narrow(0, 0, 1)).size(), 1u);
  EXPECT_EQ(loss->named_buffers()["step"].item<int64_t>(), 0);
  auto float_loss = make_loss("{dim: 3, hidden_dim: 4, head: concat_mlp}");
  EXPECT_EQ(match_scores(float_loss, image.to(torch::kBFloat16), text).size(), 4u);
  expect_error_naming([&] { loss->evaluate({{"image", image}, {"text", text.narrow(0, 0, 3)}}); },
                      {"itm", "`image`", "`text`", "[4, 3]", "[3, 3]"});
}

TEST(Itm, ConcatMlpGradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(12);
  auto loss = make_loss("{dim: 3, hidden_dim: 4, head: concat_mlp}", 1);
  loss->to(torch::kDouble);
  mmkd::testing::randomize_parameters(*loss);
  loss->eval();  // the same negatives at every evaluation
  torch::Tensor image = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  torch::Tensor text = torch::randn({4, 3}, torch::kDouble).requires_grad_();
  auto f = [&] { return loss->compute({{"image", image}, {"text", text}}).loss; };
  mmkd::testing::NamedLeaves leaves = {{"image", image}, {"text", text}};
  for (const auto& item : loss->named_parameters()) leaves.emplace_back(item.key(), item.value());
  ASSERT_EQ(leaves.size(), 8u);
  mmkd::testing::expect_gradients_match_finite_differences(f, leaves);
}

TEST(Itm, ConcatMlpParameterCountAtDim768) {
  // fc1: [768, 2 * 768] + 768 bias; norm: 768 weights + 768 biases; fc2: [2, 768] + 2 bias.
  auto loss = make_loss("{dim: 768, hidden_dim: 768, head: concat_mlp}");
  int64_t count = 0;
  for (const torch::Tensor& p : loss->parameters()) count += p.numel();
  EXPECT_EQ(count, (2 * 768 * 768 + 768) + 2 * 768 + (768 * 2 + 2));  // 1,183,490
  EXPECT_EQ(parameter(loss, "mlp.fc1.weight").sizes(), torch::IntArrayRef({768, 1536}));
  EXPECT_FALSE(loss->named_parameters().contains("classifier.weight"));
}

}  // namespace

#include "expect_error.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <string>
#include <vector>

namespace {

constexpr int64_t token_dim = 8;
const std::string tiny_token_type = "{dim: 8}";

std::shared_ptr<mmkd::Encoder> make_token_type(const std::string& options = tiny_token_type) {
  torch::manual_seed(0);
  return mmkd::testing::make<mmkd::Kind::Encoder>("token_type", options);
}

std::vector<std::string> output_names(const std::string& options) {
  const mmkd::Registry::Entry* entry = mmkd::testing::plugins().find(mmkd::Kind::Encoder, "token_type");
  std::vector<std::string> names;
  mmkd::Options checked = mmkd::testing::options_for(mmkd::Kind::Encoder, "token_type", options);
  for (const auto& port : entry->info.outputs_for(checked)) names.push_back(port.name);
  return names;
}

TEST(TokenType, AddsTheScaledTypeEmbeddingOfEachModality) {
  auto token_type = make_token_type();
  auto p = token_type->named_parameters();
  {
    torch::NoGradGuard no_grad;
    p["scale"].copy_(torch::rand({token_dim}));
  }
  torch::Tensor image = torch::randn({2, 5, token_dim}), text = torch::randn({2, 3, token_dim});
  mmkd::TensorMap out = token_type->forward({{"image", image}, {"text", text}});
  torch::Tensor image_typed = image + p["scale"] * p["type_embed"][1];  // Eq. 62
  torch::Tensor text_typed = text + p["scale"] * p["type_embed"][0];    // Eq. 61
  EXPECT_TRUE(torch::allclose(out.at("image"), image_typed));
  EXPECT_TRUE(torch::allclose(out.at("text"), text_typed));
  EXPECT_TRUE(torch::equal(out.at("image_cls"), out.at("image").select(1, 0)));
  EXPECT_TRUE(torch::equal(out.at("text_cls"), out.at("text").select(1, 0)));
  EXPECT_EQ(out.size(), 4u);
}

TEST(TokenType, LayerScaleStartsAtItsOptionAndTypeEmbeddingsAreSmall) {
  auto token_type = make_token_type("{dim: 256, layer_scale: 1.0e-5}");
  auto p = token_type->named_parameters();
  EXPECT_TRUE(torch::equal(p["scale"], torch::full({256}, 1e-5)));
  EXPECT_EQ(p["type_embed"].sizes(), (std::vector<int64_t>{2, 256}));
  EXPECT_NEAR(p["type_embed"].std().item<double>(), 0.02, 0.002);
  torch::Tensor image = torch::randn({1, 4, 256});
  torch::Tensor typed = token_type->forward({{"image", image}, {"text", image}}).at("image");
  EXPECT_LT((typed - image).abs().max().item<double>(), 1e-5);
}

TEST(TokenType, ZeroLayerScaleAddsTheTypeEmbeddingUnscaled) {
  auto token_type = make_token_type("{dim: 8, layer_scale: 0}");
  auto p = token_type->named_parameters();
  EXPECT_FALSE(p.contains("scale"));
  torch::Tensor image = torch::randn({2, 5, token_dim}), text = torch::randn({2, 3, token_dim});
  mmkd::TensorMap out = token_type->forward({{"image", image}, {"text", text}});
  EXPECT_TRUE(torch::allclose(out.at("image"), image + p["type_embed"][1]));
  EXPECT_TRUE(torch::allclose(out.at("text"), text + p["type_embed"][0]));
}

TEST(TokenType, OutputsFollowTheModalities) {
  EXPECT_EQ(output_names(tiny_token_type), (std::vector<std::string>{"image", "image_cls", "text", "text_cls"}));
  EXPECT_EQ(output_names("{modalities: [text]}"), (std::vector<std::string>{"text", "text_cls"}));
  auto text_only = make_token_type("{dim: 8, modalities: [text]}");
  mmkd::TensorMap out = text_only->forward({{"text", torch::randn({2, 3, token_dim})}});
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(out.at("text_cls").sizes(), (std::vector<int64_t>{2, token_dim}));
}

TEST(TokenType, GradientReachesTheEmbeddingsAndTheScale) {
  auto token_type = make_token_type();
  mmkd::TensorMap out =
      token_type->forward({{"image", torch::randn({2, 5, token_dim})}, {"text", torch::randn({2, 3, token_dim})}});
  (out.at("image").pow(2).sum() + out.at("text").pow(2).sum()).backward();
  auto p = token_type->named_parameters();
  EXPECT_GT(p["scale"].grad().abs().sum().item<double>(), 0.0);
  EXPECT_GT(p["type_embed"].grad()[0].abs().sum().item<double>(), 0.0);
  EXPECT_GT(p["type_embed"].grad()[1].abs().sum().item<double>(), 0.0);
}

TEST(TokenType, ParameterCountsOfTheThesis) {
  EXPECT_EQ(mmkd::parameter_count(*make_token_type("{}")), 2 * 768 + 768);  // embeddings + LayerScale
  EXPECT_EQ(mmkd::parameter_count(*make_token_type("{layer_scale: 0}")), 2 * 768);
}

// One node for both modalities (one LayerScale, Eq. 62) also runs on a single-modality batch
// (ImageNet, the zero-shot prompts), writing that modality's outputs only.
TEST(TokenType, SingleModalityBatchWritesThatModalityOnly) {
  auto token_type = make_token_type();
  torch::Tensor tokens = torch::randn({2, 3, token_dim});
  auto p = token_type->named_parameters();
  mmkd::TensorMap out = token_type->forward({{"text", tokens}});
  EXPECT_EQ(out.size(), 2u);
  EXPECT_TRUE(torch::allclose(out.at("text"), tokens + p["scale"] * p["type_embed"][0]));
  EXPECT_EQ(out.count("image"), 0u);
}

TEST(TokenType, InputsMustMatchTheModalities) {
  auto token_type = make_token_type();
  mmkd::testing::expect_error_naming([&] { token_type->forward({}); }, {"token_type", "none", "modalities", "connected"});
  torch::Tensor tokens = torch::randn({2, 3, token_dim});
  auto text_only = make_token_type("{dim: 8, modalities: [text]}");
  mmkd::testing::expect_error_naming([&] { text_only->forward({{"text", tokens}, {"image", tokens}}); },
                                     {"`image`", "is connected", "modalities"});
}

TEST(TokenType, RejectsTokensOfAnotherShape) {
  auto token_type = make_token_type();
  mmkd::testing::expect_error_naming(
      [&] { token_type->forward({{"image", torch::randn({2, token_dim})}, {"text", torch::randn({2, 3, token_dim})}}); },
      {"token_type", "`image`", "[B, T, 8]", "[2, 8]"});
  mmkd::testing::expect_error_naming(
      [&] { token_type->forward({{"image", torch::randn({2, 5, token_dim})}, {"text", torch::randn({2, 3, 4})}}); },
      {"`text`", "[B, T, 8]", "[2, 3, 4]"});
}

TEST(TokenType, RejectsEmptyOrRepeatedModalities) {
  mmkd::testing::expect_error_naming([] { make_token_type("{modalities: []}"); }, {"modalities", "at least one"});
  mmkd::testing::expect_error_naming([] { make_token_type("{modalities: [text, text]}"); }, {"modalities", "twice"});
  mmkd::testing::expect_error_naming([] { make_token_type("{modalities: [audio]}"); }, {"modalities", "image, text"});
}

}  // namespace

#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace {

std::shared_ptr<mmkd::Encoder> make_encoder(const std::string& type, const std::string& options) {
  torch::manual_seed(0);
  return mmkd::testing::make<mmkd::Kind::Encoder>(type, options);
}

const std::string tiny_vit = "{image_size: 8, patch_size: 4, dim: 32, depth: 2, heads: 4, embed_dim: 16}";
const std::string tiny_text = "{vocab_size: 20, max_len: 8, dim: 32, depth: 2, heads: 4, embed_dim: 16}";

bool contains(const std::string& name, const std::string& part) { return name.find(part) != std::string::npos; }

TEST(Vit, OutputShapes) {
  auto vit = make_encoder("vit", tiny_vit);
  mmkd::TensorMap out = vit->forward({{"image", torch::randn({2, 3, 8, 8})}});
  EXPECT_EQ(out.at("tokens").sizes(), (std::vector<int64_t>{2, 5, 32}));
  EXPECT_EQ(out.at("cls").sizes(), (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(out.at("embedding").sizes(), (std::vector<int64_t>{2, 16}));
  EXPECT_TRUE(torch::equal(out.at("cls"), out.at("tokens").select(1, 0)));
}

TEST(Vit, EmbeddingIsClsWithoutProjection) {
  auto vit = make_encoder("vit", "{image_size: 8, patch_size: 2, dim: 32, depth: 1, heads: 2}");
  mmkd::TensorMap out = vit->forward({{"image", torch::randn({3, 3, 8, 8})}});
  EXPECT_EQ(out.at("tokens").sizes(), (std::vector<int64_t>{3, 17, 32}));
  EXPECT_TRUE(torch::equal(out.at("embedding"), out.at("cls")));
  for (const auto& p : vit->named_parameters()) EXPECT_FALSE(contains(p.key(), "head")) << p.key();
}

TEST(Vit, RejectsImagesOfAnotherShape) {
  auto vit = make_encoder("vit", tiny_vit);
  EXPECT_THROW(vit->forward({{"image", torch::randn({2, 3, 16, 16})}}), mmkd::Error);
  EXPECT_THROW(vit->forward({{"image", torch::randn({2, 1, 8, 8})}}), mmkd::Error);
}

TEST(Vit, RejectsInconsistentOptions) {
  EXPECT_THROW(make_encoder("vit", "{image_size: 10, patch_size: 4}"), mmkd::ConfigError);
  EXPECT_THROW(make_encoder("vit", "{dim: 30, heads: 4}"), mmkd::ConfigError);
  EXPECT_THROW(make_encoder("vit", "{heads: 0}"), mmkd::ConfigError);
}

TEST(Vit, ParameterNamesTellWhatSkipsWeightDecay) {
  auto vit = make_encoder("vit", tiny_vit);
  std::vector<std::string> names;
  for (const auto& p : vit->named_parameters()) {
    names.push_back(p.key());
    const bool embedding = contains(p.key(), "embed") || contains(p.key(), "token");
    if (p.value().dim() < 2) EXPECT_TRUE(contains(p.key(), "norm") || contains(p.key(), "bias")) << p.key();
    if (contains(p.key(), "cls") || contains(p.key(), "pos")) EXPECT_TRUE(embedding) << p.key();
  }
  for (const char* expected : {"cls_token", "pos_embed", "patch_embed.weight", "blocks.1.attn.qkv.weight",
                               "blocks.0.mlp.fc2.bias", "norm.weight", "head.weight"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  EXPECT_EQ(std::find(names.begin(), names.end(), "head.bias"), names.end());
}

TEST(Vit, EveryParameterGetsAGradient) {
  auto vit = make_encoder("vit", tiny_vit);
  vit->forward({{"image", torch::randn({2, 3, 8, 8})}}).at("embedding").pow(2).sum().backward();
  for (const auto& p : vit->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

mmkd::TensorMap text_batch() {
  torch::Tensor ids = torch::tensor({1, 5, 6, 7, 2, 0, 1, 8, 2, 0, 0, 0}, torch::kLong).reshape({2, 6});
  return {{"ids", ids}, {"mask", (ids != 0).to(torch::kLong)}};
}

TEST(TextTransformer, OutputShapes) {
  auto text = make_encoder("text_transformer", tiny_text);
  mmkd::TensorMap out = text->forward(text_batch());
  EXPECT_EQ(out.at("tokens").sizes(), (std::vector<int64_t>{2, 6, 32}));
  EXPECT_EQ(out.at("cls").sizes(), (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(out.at("embedding").sizes(), (std::vector<int64_t>{2, 16}));
  EXPECT_TRUE(torch::equal(out.at("cls"), out.at("tokens").select(1, 0)));
}

TEST(TextTransformer, PaddedPositionsDoNotChangeTheOutput) {
  auto text = make_encoder("text_transformer", tiny_text);
  text->eval();
  mmkd::TensorMap batch = text_batch();
  mmkd::TensorMap out = text->forward(batch);

  mmkd::TensorMap changed_padding = batch;
  changed_padding["ids"] = batch["ids"].masked_fill(batch["mask"] == 0, 13);
  mmkd::TensorMap padded_out = text->forward(changed_padding);
  EXPECT_TRUE(torch::allclose(out.at("cls"), padded_out.at("cls"), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(out.at("embedding"), padded_out.at("embedding"), 1e-6, 1e-6));

  mmkd::TensorMap changed_token = batch;
  changed_token["ids"] = batch["ids"].clone();
  changed_token["ids"][1][1] = 9;
  EXPECT_FALSE(torch::allclose(out.at("cls"), text->forward(changed_token).at("cls"), 1e-4, 1e-4));
}

TEST(TextTransformer, ShorterSequencesUseTheFirstPositions) {
  auto text = make_encoder("text_transformer", tiny_text);
  mmkd::TensorMap batch = text_batch();
  mmkd::TensorMap trimmed = {{"ids", batch["ids"].slice(1, 0, 5)}, {"mask", batch["mask"].slice(1, 0, 5)}};
  EXPECT_TRUE(torch::allclose(text->forward(batch).at("cls"), text->forward(trimmed).at("cls"), 1e-5, 1e-6));
}

TEST(TextTransformer, RejectsBadInputsAndOptions) {
  auto text = make_encoder("text_transformer", tiny_text);
  torch::Tensor long_ids = torch::ones({1, 9}, torch::kLong);
  EXPECT_THROW(text->forward({{"ids", long_ids}, {"mask", torch::ones_like(long_ids)}}), mmkd::Error);
  EXPECT_THROW(text->forward({{"ids", torch::ones({2, 4}, torch::kLong)}, {"mask", torch::ones({2, 3}, torch::kLong)}}),
               mmkd::Error);
  EXPECT_THROW(make_encoder("text_transformer", "{dim: 32, heads: 5}"), mmkd::ConfigError);
}

TEST(TextTransformer, ParameterNamesTellWhatSkipsWeightDecay) {
  auto text = make_encoder("text_transformer", tiny_text);
  std::vector<std::string> names;
  for (const auto& p : text->named_parameters()) {
    names.push_back(p.key());
    if (p.value().dim() < 2) EXPECT_TRUE(contains(p.key(), "norm") || contains(p.key(), "bias")) << p.key();
  }
  for (const char* expected : {"token_embed.weight", "pos_embed", "blocks.1.norm2.weight", "head.weight"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

}  // namespace

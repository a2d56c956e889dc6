#include "expect_error.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <mmkd_transformer/vit.hpp>
#include <torch/types.h>
#include <torch/utils.h>

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
  for (const char* expected : {"cls_token", "pos_embed", "patch_embed.proj.weight", "blocks.1.attn.qkv.weight",
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

TEST(Vit, SixLayerData2Vec2StudentWithFixedPositionsHas43Point1MParameters) {  // Section 3.1.1
  for (const char* block : {"pre_norm", "post_norm"}) {
    auto vit = make_encoder("vit", std::string("{image_size: 224, patch_size: 16, dim: 768, depth: 6, heads: 12, "
                                               "position: sincos, block: ") + block + "}");
    EXPECT_EQ(mmkd::parameter_count(*vit), 43120128) << block;
    EXPECT_EQ(vit->named_buffers()["pos_embed"].sizes(), (std::vector<int64_t>{1, 197, 768}));
  }
}

TEST(Vit, PostNormHasAnInputNormAndNoFinalNormUnlessMeanPooling) {
  const std::string tiny = "{image_size: 8, patch_size: 4, dim: 16, depth: 2, heads: 2, block: post_norm";
  auto cls = make_encoder("vit", tiny + "}");
  auto parameters = cls->named_parameters();
  EXPECT_TRUE(parameters.contains("input_norm.weight"));
  EXPECT_FALSE(parameters.contains("norm.weight"));
  EXPECT_TRUE(make_encoder("vit", tiny + ", pooling: mean}")->named_parameters().contains("norm.weight"));
  mmkd::testing::expect_error_naming([&] { make_encoder("vit", tiny + ", layer_scale: 0.1}"); },
                                     {"layer_scale", "post_norm"});
  mmkd::testing::expect_error_naming([&] { make_encoder("vit", tiny + ", output_ffn: true, checkpoint_activations: true}"); },
                                     {"output_ffn", "checkpoint_activations"});
}

// final_norm: false (the thesis code's teacher for Table 25): the last block's raw output, from a
// checkpoint that has the final norm, loaded strictly.
TEST(Vit, WithoutFinalNormTheTokensAreTheLastBlocksOutput) {
  mmkd::testing::TempDir dir;
  const std::string tiny = "{image_size: 8, patch_size: 4, dim: 16, depth: 2, heads: 2, output_layers: true";
  auto normed = make_encoder("vit", tiny + "}");
  mmkd::testing::randomize_parameters(*normed);
  mmkd::write_safetensors(dir.file("vit.safetensors"), mmkd::export_checkpoint(*normed, normed->export_layout()));
  auto raw = make_encoder("vit", tiny + ", final_norm: false, checkpoint: '" + dir.file("vit.safetensors") + "'}");
  EXPECT_FALSE(raw->named_parameters().contains("norm.weight"));
  const torch::Tensor image = torch::randn({2, 3, 8, 8});
  const mmkd::TensorMap a = normed->forward({{"image", image}}), b = raw->forward({{"image", image}});
  EXPECT_TRUE(torch::allclose(b.at("tokens"), a.at("layers")[1], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(b.at("cls"), a.at("layers")[1].select(1, 0), 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(a.at("tokens"), a.at("layers")[1], 1e-3, 1e-3));
}

TEST(Vit, SinCosPositionsAsMae) {
  const int64_t grid = 3, dim = 8;
  torch::Tensor table = mmkd::transformer::sincos_positions(grid, dim);
  ASSERT_EQ(table.sizes(), (std::vector<int64_t>{1 + grid * grid, dim}));
  EXPECT_TRUE(torch::equal(table[0], torch::zeros({dim})));
  for (int64_t row = 0; row < grid; ++row)
    for (int64_t col = 0; col < grid; ++col)
      for (int64_t k = 0; k < dim / 4; ++k) {
        const double omega = 1.0 / std::pow(10000.0, k / (dim / 4.0));
        const torch::Tensor p = table[1 + row * grid + col];
        EXPECT_NEAR(p[k].item<double>(), std::sin(col * omega), 1e-6);
        EXPECT_NEAR(p[dim / 4 + k].item<double>(), std::cos(col * omega), 1e-6);
        EXPECT_NEAR(p[dim / 2 + k].item<double>(), std::sin(row * omega), 1e-6);
        EXPECT_NEAR(p[3 * dim / 4 + k].item<double>(), std::cos(row * omega), 1e-6);
      }
}

TEST(Vit, FixedPositionsAreNotTrained) {
  auto vit = make_encoder("vit", "{image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, position: sincos}");
  for (const auto& p : vit->named_parameters()) EXPECT_NE(p.key(), "pos_embed");
}

TEST(Vit, TypeEmbeddingIsAddedToEveryToken) {  // Eq. 59-60
  const std::string options = "{image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, type_embedding: true}";
  auto with_type = make_encoder("vit", options);
  auto plain = make_encoder("vit", "{image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2}");
  torch::Tensor image = torch::randn({2, 3, 8, 8});
  {
    torch::NoGradGuard no_grad;
    auto typed = with_type->named_parameters();
    typed["type_embed"].zero_();
    for (auto& p : plain->named_parameters()) p.value().copy_(typed[p.key()]);
  }
  EXPECT_TRUE(torch::allclose(with_type->forward({{"image", image}}).at("cls"), plain->forward({{"image", image}}).at("cls")));
  {
    torch::NoGradGuard no_grad;
    with_type->named_parameters()["type_embed"].fill_(0.5);
    plain->named_parameters()["pos_embed"].add_(0.5);
  }
  EXPECT_TRUE(torch::allclose(with_type->forward({{"image", image}}).at("cls"), plain->forward({{"image", image}}).at("cls"),
                              1e-5, 1e-5));
}

TEST(Vit, ActivationCheckpointingGivesTheSameGradients) {
  const std::string base = "{image_size: 8, patch_size: 4, dim: 16, depth: 2, heads: 2, dropout: 0.2, "
                           "relative_position: shared, output_layers: true";
  auto gradients = [&](const std::string& extra) {
    auto vit = make_encoder("vit", base + extra + "}");
    vit->train();
    torch::manual_seed(9);
    mmkd::TensorMap out = vit->forward({{"image", torch::randn({2, 3, 8, 8})}});
    (out.at("embedding").pow(2).sum() + out.at("layers").sum()).backward();
    std::map<std::string, torch::Tensor> grads;
    for (const auto& p : vit->named_parameters()) grads[p.key()] = p.value().grad().clone();
    return grads;
  };
  auto stored = gradients(""), recomputed = gradients(", checkpoint_activations: true");
  ASSERT_EQ(stored.size(), recomputed.size());
  for (const auto& [name, grad] : stored) EXPECT_TRUE(torch::allclose(grad, recomputed.at(name), 1e-5, 1e-6)) << name;
  EXPECT_GT(stored.at("rel_pos_bias.relative_position_bias_table").abs().sum().item<double>(), 0.0);
}

TEST(Vit, MeanPoolingNormalisesTheMeanPatch) {
  auto vit = make_encoder("vit", "{image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, pooling: mean}");
  mmkd::TensorMap out = vit->forward({{"image", torch::randn({2, 3, 8, 8})}});
  auto norm = vit->named_parameters();
  torch::Tensor expected = torch::layer_norm(out.at("tokens").slice(1, 1).mean(1), {16}, norm["norm.weight"],
                                             norm["norm.bias"], 1e-6);
  EXPECT_TRUE(torch::allclose(out.at("pooled"), expected, 1e-5, 1e-5));
  EXPECT_TRUE(torch::equal(out.at("patches"), out.at("tokens").slice(1, 1)));
}

}  // namespace

#include "expect_error.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <fstream>

namespace {

using mmkd::testing::TempDir;

std::shared_ptr<mmkd::Encoder> make(const std::string& type, const std::string& options, int seed = 0) {
  torch::manual_seed(seed);
  auto encoder = mmkd::testing::make<mmkd::Kind::Encoder>(type, options);
  encoder->eval();
  return encoder;
}

std::string with_checkpoint(std::string options, const std::string& path, const std::string& extra = "") {
  options.pop_back();
  return options + ", checkpoint: '" + path + "'" + extra + "}";
}

void save(mmkd::Encoder& encoder, const std::string& path) {
  mmkd::write_safetensors(path, mmkd::export_checkpoint(encoder, encoder.export_layout()), {{"format", "pt"}});
}

const torch::Tensor& images() {
  static const torch::Tensor batch = torch::randn({2, 3, 8, 8});
  return batch;
}

const std::string beitv2 =
    "{image_size: 8, patch_size: 4, dim: 16, depth: 2, heads: 2, qkv_bias: qv, layer_scale: 0.1, position: none, "
    "relative_position: per_layer, pooling: mean, format: timm_beitv2}";
const std::string hf_beit =
    "{image_size: 8, patch_size: 4, dim: 16, depth: 2, heads: 2, qkv_bias: qv, layer_scale: 0.1, "
    "relative_position: shared, norm_eps: 1e-12, format: hf_beit}";
const std::string timm_vit = "{image_size: 8, patch_size: 4, dim: 16, depth: 3, heads: 2, embed_dim: 8, format: timm_vit}";
const std::string data2vec = "{image_size: 8, patch_size: 4, dim: 16, depth: 2, heads: 2, position: sincos, "
                             "norm_eps: 1e-12, format: hf_data2vec_vision}";

class ExportThenLoad : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportThenLoad, GivesIdenticalOutputs) {
  TempDir dir;
  auto original = make("vit", GetParam(), 1);
  mmkd::testing::randomize_parameters(*original, 0.2);
  save(*original, dir.file("w.safetensors"));
  auto loaded = make("vit", with_checkpoint(GetParam(), dir.file("w.safetensors")), 2);
  auto a = original->forward({{"image", images()}}), b = loaded->forward({{"image", images()}});
  for (const char* port : {"tokens", "pooled", "embedding"}) EXPECT_TRUE(torch::equal(a.at(port), b.at(port))) << port;
}

INSTANTIATE_TEST_SUITE_P(VitFormats, ExportThenLoad, ::testing::Values(beitv2, hf_beit, timm_vit, data2vec));

TEST(VitCheckpoint, KeyNamesFollowTimmAndHuggingFace) {
  auto timm = mmkd::export_checkpoint(*make("vit", beitv2), make("vit", beitv2)->export_layout());
  for (const char* key : {"cls_token", "patch_embed.proj.weight", "blocks.1.attn.q_bias", "blocks.1.attn.v_bias",
                          "blocks.0.attn.qkv.weight", "blocks.0.attn.relative_position_bias_table", "blocks.0.gamma_1",
                          "blocks.1.mlp.fc2.bias", "fc_norm.weight"})
    EXPECT_TRUE(timm.count(key)) << key;
  auto hf_model = make("vit", hf_beit);
  auto hf = mmkd::export_checkpoint(*hf_model, hf_model->export_layout());
  for (const char* key : {"embeddings.cls_token", "embeddings.patch_embeddings.projection.weight",
                          "embeddings.position_embeddings", "encoder.layer.0.attention.attention.query.weight",
                          "encoder.layer.0.attention.attention.key.weight", "encoder.layer.1.attention.attention.value.bias",
                          "encoder.relative_position_bias.relative_position_bias_table", "encoder.layer.1.lambda_2",
                          "encoder.layer.0.layernorm_before.weight", "encoder.layer.0.intermediate.dense.weight",
                          "layernorm.bias"})
    EXPECT_TRUE(hf.count(key)) << key;
  EXPECT_FALSE(hf.count("encoder.layer.0.attention.attention.key.bias"));
  EXPECT_EQ(hf.at("encoder.layer.0.attention.attention.query.weight").sizes(), (std::vector<int64_t>{16, 16}));
  auto d2v = make("vit", data2vec);
  EXPECT_TRUE(mmkd::export_checkpoint(*d2v, d2v->export_layout()).count("embeddings.position_embeddings"));
}

TEST(VitCheckpoint, FindsTheWholeModelPrefix) {
  TempDir dir;
  auto original = make("vit", hf_beit, 1);
  mmkd::testing::randomize_parameters(*original, 0.2);
  mmkd::TensorMap prefixed;
  for (auto& [key, value] : mmkd::export_checkpoint(*original, original->export_layout())) prefixed["beit." + key] = value;
  prefixed["lm_head.weight"] = torch::zeros({4, 16});  // outside the prefix: not ours
  mmkd::write_safetensors(dir.file("w.safetensors"), prefixed);
  auto loaded = make("vit", with_checkpoint(hf_beit, dir.file("w.safetensors")), 2);
  EXPECT_TRUE(torch::equal(original->forward({{"image", images()}}).at("pooled"),
                           loaded->forward({{"image", images()}}).at("pooled")));
}

TEST(VitCheckpoint, LayersSelectsBlocksOfADeeperCheckpoint) {
  TempDir dir;
  const std::string deep = "{image_size: 8, patch_size: 4, dim: 16, depth: 4, heads: 2, format: timm_vit}";
  auto teacher = make("vit", deep, 1);
  mmkd::testing::randomize_parameters(*teacher, 0.2);
  save(*teacher, dir.file("deep.safetensors"));
  const std::string shallow = "{image_size: 8, patch_size: 4, dim: 16, depth: 2, heads: 2, format: timm_vit}";
  auto student = make("vit", with_checkpoint(shallow, dir.file("deep.safetensors"), ", layers: [1, 3]"), 2);
  auto t = teacher->named_parameters(), s = student->named_parameters();
  EXPECT_TRUE(torch::equal(s["blocks.0.attn.qkv.weight"], t["blocks.1.attn.qkv.weight"]));
  EXPECT_TRUE(torch::equal(s["blocks.1.mlp.fc1.bias"], t["blocks.3.mlp.fc1.bias"]));
  EXPECT_TRUE(torch::equal(s["patch_embed.proj.weight"], t["patch_embed.proj.weight"]));
  EXPECT_TRUE(torch::equal(s["norm.weight"], t["norm.weight"]));
  mmkd::testing::expect_error_naming(
      [&] { make("vit", with_checkpoint(shallow, dir.file("deep.safetensors"))); },
      {"unexpected in the checkpoint: blocks.2.attn.qkv.weight [48, 16]", "checkpoint"});
  mmkd::testing::expect_error_naming(
      [&] { make("vit", with_checkpoint(shallow, dir.file("deep.safetensors"), ", layers: [1, 2, 3]")); },
      {"layers", "lists 3 layers, the model has depth 2"});
}

TEST(VitCheckpoint, StrictLoadingListsEveryProblem) {
  TempDir dir;
  auto original = make("vit", timm_vit, 1);
  mmkd::TensorMap tensors = mmkd::export_checkpoint(*original, original->export_layout());
  tensors.erase("blocks.0.norm1.weight");
  tensors["blocks.0.extra"] = torch::zeros({3});
  tensors["pos_embed"] = torch::zeros({1, 4, 16});
  mmkd::write_safetensors(dir.file("bad.safetensors"), tensors);
  mmkd::testing::expect_error_naming([&] { make("vit", with_checkpoint(timm_vit, dir.file("bad.safetensors"))); },
                                     {"bad.safetensors", "missing in the checkpoint: blocks.0.norm1.weight [16]",
                                      "unexpected in the checkpoint: blocks.0.extra [3]",
                                      "shape mismatch: pos_embed: checkpoint [1, 4, 16], model [1, 5, 16]"});
  auto partial = make("vit", with_checkpoint(timm_vit, dir.file("bad.safetensors"), ", strict: false"), 1);
  auto p = partial->named_parameters(), o = original->named_parameters();
  EXPECT_TRUE(torch::equal(p["blocks.1.attn.qkv.weight"], o["blocks.1.attn.qkv.weight"]));
  EXPECT_TRUE(torch::equal(p["pos_embed"], o["pos_embed"]));  // kept its own initialisation (same seed)
}

TEST(VitCheckpoint, TruncatedOrMissingFilesAreConfigErrors) {
  TempDir dir;
  auto original = make("vit", timm_vit, 1);
  save(*original, dir.file("w.safetensors"));
  std::string bytes = mmkd::testing::read_file(dir.file("w.safetensors"));
  mmkd::testing::write_file(dir.file("cut.safetensors"), bytes.substr(0, bytes.size() / 2));
  mmkd::testing::expect_error_naming([&] { make("vit", with_checkpoint(timm_vit, dir.file("cut.safetensors"))); },
                                     {"checkpoint", "cut.safetensors"});
  mmkd::testing::expect_error_naming([&] { make("vit", with_checkpoint(timm_vit, dir.file("none.safetensors"))); },
                                     {"checkpoint", "no such file"});
}

}  // namespace

#include "python_tools.hpp"
#include "tiny_experiment.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>
#include <torch/types.h>

#include <filesystem>
#include <map>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

TEST(Export, WritesTrainedEncodersUnderTheirFormatsKeyNames) {
  TempDir dir;
  std::string yaml = tiny_experiment_yaml("runs");
  yaml.replace(yaml.find("trainer: {epochs: 3"), 19, "trainer: {epochs: 1");
  write_file(dir.file("exp.yaml"), yaml);
  auto run = mmkd_in(dir.path(), "run exp.yaml --run-dir r");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("model.image (vit): "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(" parameters"), std::string::npos) << run.output;

  auto exported = mmkd_in(dir.path(), "export r");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("r/export/image.safetensors"), std::string::npos) << exported.output;
  EXPECT_FALSE(fs::exists(dir.file("r/export/text.safetensors")));  // text_transformer has no export format

  mmkd::SafetensorsFile file(dir.file("r/export/image.safetensors"));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.metadata().at("mmkd.format"), "timm_vit");
  mmkd::TensorMap trained = mmkd::read_safetensors(dir.file("r/final.safetensors"));
  EXPECT_TRUE(torch::equal(file.tensor("blocks.0.attn.qkv.weight"), trained.at("model.image.blocks.0.attn.qkv.weight")));
  EXPECT_TRUE(torch::equal(file.tensor("patch_embed.proj.weight"), trained.at("model.image.patch_embed.proj.weight")));
  EXPECT_TRUE(torch::equal(file.tensor("embedding_head.weight"), trained.at("model.image.head.weight")));

  auto elsewhere = mmkd_in(dir.path(), "export r --out out");
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.output;
  EXPECT_TRUE(fs::exists(dir.file("out/image.safetensors")));
}

// A run with a timm ViT, a Hugging Face BEiT and a BERT node: each exported folder loads in
// transformers or timm by the library's own API and computes mmkd's function.
const char* const library_run = R"(name: library
data:
  train: {type: synthetic_shapes, size: 16, image_size: 8, seed: 1}
model:
  image: {type: vit, inputs: {image: batch.image}, image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, embed_dim: 16, format: timm_vit}
  beit: {type: vit, inputs: {image: batch.image}, image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, qkv_bias: qv, layer_scale: 0.1, position: none, relative_position: per_layer, norm_eps: 1.0e-12, embed_dim: 16, format: hf_beit}
  text: {type: bert, inputs: {ids: batch.text_ids, mask: batch.text_mask}, vocab_size: 64, max_len: 12, dim: 16, depth: 1, heads: 2, embed_dim: 16}
losses:
  clip: {type: clip_contrastive, inputs: {image: image.embedding, text: text.embedding}}
  beit_clip: {type: clip_contrastive, inputs: {image: beit.embedding, text: text.embedding}}
optimizer: {lr: 1.0e-2}
trainer: {epochs: 1, batch_size: 8, threads: 1}
)";

TEST(Export, FoldersLoadInTransformersAndTimmAndComputeTheSameFunction) {
  MMKD_REQUIRE_PYTHON();
  TempDir dir;
  write_file(dir.file("exp.yaml"), library_run);
  auto run = mmkd_in(dir.path(), "run exp.yaml --run-dir r");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto exported = mmkd_in(dir.path(), "export r");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;

  torch::manual_seed(0);
  torch::Tensor ids = torch::randint(1, 40, {2, 12}), mask = torch::ones({2, 12}, torch::kLong);
  mask.slice(1, 8).select(0, 1).zero_();
  const mmkd::TensorMap image_inputs{{"image", torch::randn({2, 3, 8, 8})}}, text_inputs{{"ids", ids}, {"mask", mask}};
  const std::map<std::string, std::string> options = {
      {"image", "{image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, embed_dim: 16, format: timm_vit"},
      {"beit", "{image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, qkv_bias: qv, layer_scale: 0.1, "
               "position: none, relative_position: per_layer, norm_eps: 1.0e-12, embed_dim: 16, format: hf_beit"},
      {"text", "{vocab_size: 64, max_len: 12, dim: 16, depth: 1, heads: 2, embed_dim: 16"}};
  for (const auto& [node, yaml] : options) {
    const std::string folder = dir.file("r/export/" + node);
    ASSERT_TRUE(fs::exists(folder + "/config.json")) << node << "\n" << exported.output;
    const mmkd::TensorMap& inputs = node == "text" ? text_inputs : image_inputs;
    mmkd::write_safetensors(dir.file(node + "_in.safetensors"), inputs);
    run_python_tool("load_exported.py", "'" + folder + "' --inputs '" + dir.file(node + "_in.safetensors") +
                                            "' --out '" + dir.file(node + "_out.safetensors") + "'");
    auto encoder = mmkd::testing::make<mmkd::Kind::Encoder>(
        node == "text" ? "bert" : "vit", yaml + ", checkpoint: '" + dir.file("r/export/" + node + ".safetensors") + "'}");
    encoder->eval();
    torch::NoGradGuard no_grad;
    torch::Tensor ours = encoder->forward(inputs).at("tokens");
    torch::Tensor theirs = mmkd::read_safetensors(dir.file(node + "_out.safetensors")).at("tokens");
    if (node == "text") {
      const torch::Tensor valid = mask.to(torch::kBool);
      ours = ours.index({valid}), theirs = theirs.index({valid});
    }
    EXPECT_LT(max_difference(ours, theirs), 1e-4) << node;
  }
}

TEST(Export, RefusesAFolderThatIsNotARun) {
  TempDir dir;
  auto r = mmkd_in(dir.path(), "export nowhere");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("nowhere is not a run folder"), std::string::npos) << r.output;
}

}  // namespace

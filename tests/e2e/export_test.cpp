#include "tiny_experiment.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>
#include <torch/types.h>

#include <filesystem>

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

TEST(Export, RefusesAFolderThatIsNotARun) {
  TempDir dir;
  auto r = mmkd_in(dir.path(), "export nowhere");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("nowhere is not a run folder"), std::string::npos) << r.output;
}

}  // namespace

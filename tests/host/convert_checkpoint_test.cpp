#include "cli/convert_command.hpp"
#include "expect_contains.hpp"
#include "expect_error.hpp"
#include "python_tools.hpp"
#include "test_pickles.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

namespace fs = std::filesystem;
using mmkd::testing::TestPickles;

namespace {

// BERT, timm, BEiT v2 and Data2Vec2 checkpoints as their projects write them, in both torch.save formats,
// with the tensors each conversion must give; written once by tools/make_test_pickles.py.
class ConvertCheckpoint : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!mmkd::testing::python().empty()) pickles = std::make_unique<TestPickles>("bert timm beitv2 beitv2_ft data2vec2 evil");
  }
  static void TearDownTestSuite() { pickles.reset(); }
  void SetUp() override { MMKD_REQUIRE_PYTHON(); }

  static std::string file(const std::string& name) { return pickles->file(name); }

  std::string convert(const std::string& input, const std::string& format, const std::string& key = "") {
    return mmkd::convert_checkpoint({file(input), out(), format, key});
  }
  std::string out() const { return dir.file("out.safetensors"); }

  mmkd::testing::TempDir dir;
  inline static std::unique_ptr<TestPickles> pickles;
};


TEST_F(ConvertCheckpoint, EveryFormatGivesTheReferenceTensorsExactly) {
  const std::vector<std::pair<std::string, std::string>> files_and_formats = {
      {"bert", "hf_bert"}, {"timm", "timm"}, {"beitv2", "unilm_beitv2"}, {"beitv2_ft", "unilm_beitv2"},
      {"data2vec2", "fairseq"}};
  for (const auto& [name, format] : files_and_formats)
    for (const char* container : {"zip", "legacy"}) {
      const std::string input = name + "." + container + ".pt";
      convert(input, format);
      mmkd::testing::expect_same_tensors(mmkd::read_safetensors(file(name + ".safetensors")),
                                         mmkd::read_safetensors(out()), input);
      const auto metadata = mmkd::SafetensorsFile(out()).metadata();
      EXPECT_EQ(metadata.at("mmkd.conversion"), format);
      EXPECT_EQ(metadata.at("mmkd.converted_from"), input);
    }
}

TEST_F(ConvertCheckpoint, ReportsWhatWasKeptRenamedAndDropped) {
  EXPECT_EQ(convert("beitv2.zip.pt", "unilm_beitv2"),
            "read " + file("beitv2.zip.pt") + " (torch.save zip)\n"
            "state dict: 'model' (70 tensors); also in the file: optimizer, epoch, scaler, args\n"
            "format unilm_beitv2: kept 36, renamed 0, dropped 34\n"
            "dropped: mask_token, rel_pos_bias.relative_position_index, cls_pt_layers.* (30 keys), lm_head.* (2 keys)\n"
            "wrote " + out() + " (36 tensors)\n");
  EXPECT_CONTAINS(convert("beitv2_ft.legacy.pt", "unilm_beitv2"),
                  "read " + file("beitv2_ft.legacy.pt") + " (legacy torch.save (torch < 1.6))\n");
  EXPECT_CONTAINS(convert("beitv2_ft.legacy.pt", "unilm_beitv2"),
                  "dropped: blocks.*.attn.relative_position_index (2 keys)\n");
  const std::string bert = convert("bert.zip.pt", "hf_bert");
  EXPECT_CONTAINS(bert, "state dict: the top level (39 tensors)\nformat hf_bert: kept 29, renamed 10, dropped 0\n");
  EXPECT_CONTAINS(bert, "renamed: LayerNorm.gamma -> LayerNorm.weight (5 keys), LayerNorm.beta -> LayerNorm.bias (5 keys)\n");
  const std::string timm = convert("timm.legacy.pt", "timm");
  EXPECT_CONTAINS(timm, "state dict: 'state_dict' (32 tensors); also in the file: epoch, arch, optimizer, args, "
                        "state_dict_ema, metric\nstripped DataParallel's 'module.' from 32 keys\n");
}

TEST_F(ConvertCheckpoint, KeyChoosesAnotherEntry) {
  EXPECT_CONTAINS(convert("timm.zip.pt", "timm", "state_dict_ema"), "state dict: 'state_dict_ema' (32 tensors)");
  mmkd::testing::expect_same_tensors(mmkd::read_safetensors(file("timm_ema.safetensors")),
                                     mmkd::read_safetensors(out()), "state_dict_ema");
  mmkd::testing::expect_error_naming([&] { convert("timm.zip.pt", "timm", "ema"); },
                                     {"timm.zip.pt: --key ema: no such entry; the top level holds epoch, arch, "
                                      "state_dict, optimizer, args, state_dict_ema, metric"});
  mmkd::testing::expect_error_naming([&] { convert("timm.zip.pt", "timm", "epoch"); },
                                     {"--key epoch: not a dict of tensors"});
}

TEST_F(ConvertCheckpoint, FailuresWriteNothing) {
  mmkd::testing::expect_error_naming([&] { convert("beitv2.zip.pt", "unilm_beit2"); },
                                     {"unknown format `unilm_beit2` (did you mean `unilm_beitv2`?); known formats: "
                                      "hf_bert, timm, unilm_beitv2, fairseq"});
  mmkd::testing::expect_error_naming([&] { convert("evil_system.zip.pt", "timm"); },
                                     {"refused to load: the pickle calls posix.system"});
  EXPECT_FALSE(fs::exists(file("MARKER_system")));
  EXPECT_FALSE(fs::exists(out()));
  mmkd::testing::expect_error_naming(
      [&] { mmkd::convert_checkpoint({file("bert.zip.pt"), dir.file("bert.bin"), "hf_bert", ""}); },
      {"the output " + dir.file("bert.bin") + " must be a .safetensors file"});
  EXPECT_FALSE(fs::exists(dir.file("bert.bin")));
}

}  // namespace

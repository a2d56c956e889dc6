#include "python_tools.hpp"
#include "test_pickles.hpp"
#include "tiny_experiment.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <utility>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// A microsoft/unilm BEiT v2 pretraining checkpoint (built from timm's Beit, with an image and the
// tokens timm computes from it) and pickles that would run commands.
class ConvertCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!python().empty()) pickles = std::make_unique<TestPickles>("beitv2 data2vec2 evil");
  }
  static void TearDownTestSuite() { pickles.reset(); }
  void SetUp() override { MMKD_REQUIRE_PYTHON(); }

  // `mmkd probe encoder/vit` with `config` on the pickles' file `io`: its outputs and its log.
  static std::pair<mmkd::TensorMap, std::string> probe_vit(const TempDir& dir, const std::string& config,
                                                           const std::string& io) {
    auto probe = mmkd_in(dir.path(), "probe encoder/vit --config '" + config + "' --inputs '" + pickles->file(io) +
                                         "' --out out.safetensors");
    EXPECT_EQ(probe.exit_code, 0) << probe.output;
    if (probe.exit_code != 0) return {{}, probe.output};
    return {mmkd::read_safetensors(dir.file("out.safetensors")), probe.output};
  }

  inline static std::unique_ptr<TestPickles> pickles;
};

TEST_F(ConvertCommand, UnilmBeitv2LoadsStrictlyIntoVitAndComputesWhatTimmDoes) {
  TempDir dir;
  auto converted = mmkd_in(dir.path(), "convert '" + pickles->file("beitv2.legacy.pt") +
                                           "' beitv2.safetensors --format unilm_beitv2");
  ASSERT_EQ(converted.exit_code, 0) << converted.output;
  EXPECT_NE(converted.output.find("format unilm_beitv2: kept 36, renamed 0, dropped 34\n"), std::string::npos)
      << converted.output;
  EXPECT_NE(converted.output.find("wrote beitv2.safetensors (36 tensors)"), std::string::npos) << converted.output;

  const std::string vit = "{image_size: 32, patch_size: 8, dim: 32, depth: 2, heads: 4, qkv_bias: qv, layer_scale: 0.1, "
                          "position: none, relative_position: shared, pooling: cls, format: timm_beitv2, "
                          "checkpoint: beitv2.safetensors}";
  const auto [out, log] = probe_vit(dir, vit, "beitv2_io.safetensors");
  ASSERT_TRUE(out.count("tokens")) << log;
  EXPECT_NE(log.find("loaded 36 tensors from beitv2.safetensors"), std::string::npos) << log;
  const torch::Tensor tokens = out.at("tokens");
  const torch::Tensor expected = mmkd::read_safetensors(pickles->file("beitv2_io.safetensors")).at("tokens");
  EXPECT_LT(max_difference(tokens, expected), 1e-4);
}

TEST_F(ConvertCommand, FairseqData2Vec2LoadsStrictlyIntoPostNormVitAndComputesFairseqsFunction) {
  TempDir dir;
  auto converted = mmkd_in(dir.path(), "convert '" + pickles->file("data2vec2.zip.pt") +
                                           "' data2vec2.safetensors --format fairseq");
  ASSERT_EQ(converted.exit_code, 0) << converted.output;
  EXPECT_NE(converted.output.find("format fairseq: kept 42, renamed 0, dropped 3\n"
                                  "dropped: modality_encoders.* (2 keys), _ema\n"),
            std::string::npos)
      << converted.output;
  const std::string vit = "{image_size: 32, patch_size: 8, dim: 32, depth: 3, heads: 4, position: sincos, "
                          "block: post_norm, prenet_depth: 1, output_ffn: true, format: fairseq_data2vec2, "
                          "checkpoint: data2vec2.safetensors}";
  const auto [ours, log] = probe_vit(dir, vit, "data2vec2_io.safetensors");
  ASSERT_TRUE(ours.count("tokens")) << log;
  const mmkd::TensorMap expected = mmkd::read_safetensors(pickles->file("data2vec2_io.safetensors"));
  EXPECT_LT(max_difference(ours.at("tokens"), expected.at("tokens")), 1e-4);
  EXPECT_LT(max_difference(ours.at("ffn_layers"), expected.at("ffn_layers")), 1e-4);
}

TEST_F(ConvertCommand, RefusesAPickleThatWouldRunACommandAndWritesNothing) {
  TempDir dir;
  auto refused = mmkd_in(dir.path(), "convert '" + pickles->file("evil_system.zip.pt") + "' out.safetensors --format timm");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("error: " + pickles->file("evil_system.zip.pt") +
                                ": refused to load: the pickle calls posix.system"),
            std::string::npos)
      << refused.output;
  EXPECT_FALSE(fs::exists(pickles->file("MARKER_system")));
  EXPECT_FALSE(fs::exists(dir.file("out.safetensors")));

  auto unknown = mmkd_in(dir.path(), "convert '" + pickles->file("beitv2.zip.pt") + "' out.safetensors --format beit");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("known formats: hf_bert, timm, unilm_beitv2, fairseq"), std::string::npos)
      << unknown.output;
}

}  // namespace

#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

// Outputs of mmkd's encoders against the Python reference implementations, on the tiny
// models tools/make_parity_fixtures.py writes to tests/fixtures/parity/<architecture>/.
TEST(Parity, MatchesHuggingFaceAndTimmWithin1e4) {
  const fs::path root = fs::path(mmkd::testing::source_dir()) / "tests/fixtures/parity";
  if (!fs::exists(root))
    GTEST_SKIP() << "no fixtures in " << root << ": run tools/make_parity_fixtures.py where transformers and timm "
                 << "are installed (the GPU machines) and commit them";
  int checked = 0;
  for (const auto& folder : fs::directory_iterator(root)) {
    std::ifstream description(folder.path() / "component.txt");
    std::string kind, type, options;
    std::getline(description, kind);
    std::getline(description, type);
    std::getline(description, options);
    ASSERT_EQ(kind, "encoder") << folder.path();
    options.pop_back();
    options += ", checkpoint: '" + (folder.path() / "weights.safetensors").string() + "'}";
    auto encoder = mmkd::testing::make<mmkd::Kind::Encoder>(type, options);
    encoder->eval();
    torch::NoGradGuard no_grad;
    mmkd::TensorMap out = encoder->forward(mmkd::read_safetensors((folder.path() / "inputs.safetensors").string()));
    for (const auto& [port, expected] : mmkd::read_safetensors((folder.path() / "expected.safetensors").string())) {
      ASSERT_TRUE(out.count(port)) << folder.path() << ": " << port;
      EXPECT_TRUE(torch::allclose(out.at(port), expected, 1e-4, 1e-4))
          << folder.path().filename() << "." << port << ": max difference "
          << (out.at(port) - expected).abs().max().item<double>();
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace

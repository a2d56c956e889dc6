#include "mmkd_testing.hpp"
#include "python_tools.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

namespace {

struct ParityCase {
  std::string kind, type, options;
};

ParityCase read_case(const fs::path& folder) {
  std::ifstream description(folder / "component.txt");
  ParityCase c;
  std::getline(description, c.kind);
  std::getline(description, c.type);
  std::getline(description, c.options);
  c.options.pop_back();
  c.options += ", checkpoint: '" + (folder / "weights.safetensors").string() + "'}";
  return c;
}

std::shared_ptr<mmkd::Module> make_component(const ParityCase& c) {
  if (c.kind == "encoder") return mmkd::testing::make<mmkd::Kind::Encoder>(c.type, c.options);
  if (c.kind == "teacher") return mmkd::testing::make<mmkd::Kind::Teacher>(c.type, c.options);
  throw mmkd::Error("component.txt: unknown kind " + c.kind);
}

// Every output port of mmkd's encoders and teachers against transformers and timm, on the models
// tools/make_parity_fixtures.py builds with random weights and saves under the libraries' key names.
TEST(Parity, MatchesTransformersAndTimmWithin1e4) {
  MMKD_REQUIRE_PYTHON();
  mmkd::testing::TempDir dir;
  mmkd::testing::run_python_tool("make_parity_fixtures.py", "--out '" + dir.path() + "'");
  int architectures = 0;
  for (const auto& folder : fs::directory_iterator(dir.path())) {
    const std::string name = folder.path().filename().string();
    auto component = make_component(read_case(folder.path()));
    component->eval();
    torch::NoGradGuard no_grad;
    const mmkd::TensorMap out =
        component->forward(mmkd::read_safetensors((folder.path() / "inputs.safetensors").string()));
    for (const auto& [port, expected] : mmkd::read_safetensors((folder.path() / "expected.safetensors").string())) {
      ASSERT_TRUE(out.count(port)) << name << " has no output " << port;
      ASSERT_EQ(out.at(port).sizes(), expected.sizes()) << name << "." << port;
      const double difference = mmkd::testing::max_difference(out.at(port), expected);
      EXPECT_TRUE(torch::allclose(out.at(port), expected, 1e-4, 1e-4))
          << name << "." << port << ": max difference " << difference;
      std::cout << name << "." << port << ": max difference " << difference << "\n";
    }
    ++architectures;
  }
  EXPECT_EQ(architectures, 9);
}

}  // namespace

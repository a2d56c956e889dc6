#include "mmkd_testing.hpp"
#include "python_tools.hpp"
#include "test_device.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <ATen/Context.h>

#include <algorithm>
#include <cstdlib>
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
// tools/make_parity_fixtures.py builds with random weights and saves under the libraries' key names
// (or the fixtures it made in MMKD_PARITY_FIXTURES), on the test device in the test precision.
TEST(Parity, MatchesTransformersAndTimmWithin1e4) {
  const char* carried = std::getenv("MMKD_PARITY_FIXTURES");
  mmkd::testing::TempDir dir;
  if (carried == nullptr) {
    MMKD_REQUIRE_PYTHON();
    mmkd::testing::run_python_tool("make_parity_fixtures.py", "--out '" + dir.path() + "'");
  }
  const fs::path fixtures = carried == nullptr ? fs::path(dir.path()) : fs::path(carried);
  const torch::Device device = mmkd::testing::test_device();
  const mmkd::testing::DeviceTolerance tolerance = mmkd::testing::device_tolerance();
  at::globalContext().setAllowTF32CuDNN(false);  // fp32 convolutions in fp32 on a GPU too
  int architectures = 0;
  double largest = 0;
  for (const auto& folder : fs::directory_iterator(fixtures)) {
    const std::string name = folder.path().filename().string();
    auto component = make_component(read_case(folder.path()));
    component->eval();
    component->to(device);
    torch::NoGradGuard no_grad;
    mmkd::TensorMap inputs = mmkd::read_safetensors((folder.path() / "inputs.safetensors").string());
    for (auto& [_, tensor] : inputs) tensor = tensor.to(device);
    mmkd::TensorMap out;
    {
      mmkd::testing::TestAutocast autocast;
      out = component->forward(inputs);
    }
    for (const auto& [port, expected] : mmkd::read_safetensors((folder.path() / "expected.safetensors").string())) {
      ASSERT_TRUE(out.count(port)) << name << " has no output " << port;
      ASSERT_EQ(out.at(port).sizes(), expected.sizes()) << name << "." << port;
      const torch::Tensor result = out.at(port).to(torch::kCPU, expected.scalar_type());
      const double difference = mmkd::testing::max_difference(result, expected);
      EXPECT_TRUE(tolerance.accepts(result, expected)) << name << "." << port << ": max difference " << difference;
      std::cout << name << "." << port << ": max difference " << difference << "\n";
      largest = std::max(largest, difference);
    }
    ++architectures;
  }
  EXPECT_EQ(architectures, carried == nullptr ? 9 : 8);  // scripts/gpu-check carries all but ResNet-50's
  std::cout << "largest difference " << largest << "\n";
}

}  // namespace

#include "expect_error.hpp"
#include "mmkd_testing.hpp"
#include "plugins/plugin_loader.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <mmkd/version.hpp>

using namespace mmkd;
using namespace mmkd::testing;

namespace {

std::string load_error(const std::vector<std::string>& paths) {
  Registry registry;
  try {
    load_plugin_paths(registry, paths);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string test_plugin(const std::string& name) { return test_plugin_dir() + "/mmkd_" + name + ".so"; }

TEST(PluginLoader, BuildFolderHoldsTheBuiltinPlugins) {
  EXPECT_NE(plugins().find(Kind::Loss, "clip_contrastive"), nullptr);
  EXPECT_NE(plugins().find(Kind::Encoder, "vit"), nullptr);
  EXPECT_NE(plugins().find(Kind::Dataset, "synthetic_shapes"), nullptr);
  EXPECT_NE(plugins().find(Kind::Loss, "clip_contrastive")->library.find("mmkd_losses_contrastive.so"),
            std::string::npos);
}

TEST(PluginLoader, MissingFileIsNamed) {
  EXPECT_EQ(load_error({"/nonexistent/mmkd_x.so"}), "plugin path /nonexistent/mmkd_x.so does not exist");
}

TEST(PluginLoader, LibraryWithoutDescriptorIsNotAPlugin) {
  const std::string message = load_error({test_plugin("test_not_a_plugin")});
  EXPECT_NE(message.find(test_plugin("test_not_a_plugin")), std::string::npos) << message;
  EXPECT_NE(message.find("not an mmkd plugin"), std::string::npos) << message;
}

TEST(PluginLoader, AbiMismatchNamesFileFieldAndBothVersions) {
  const std::string message = load_error({test_plugin("test_wrong_abi")});
  EXPECT_NE(message.find(test_plugin("test_wrong_abi")), std::string::npos) << message;
  const std::string expected = fmt::format("SDK ABI version mismatch: the host has {}.{}, the plugin was built with {}.0",
                                           MMKD_ABI_MAJOR, MMKD_ABI_MINOR, MMKD_ABI_MAJOR + 98);
  EXPECT_NE(message.find(expected), std::string::npos) << message;
}

TEST(PluginLoader, TorchMismatchNamesBothVersions) {
  const std::string message = load_error({test_plugin("test_wrong_torch")});
  EXPECT_NE(message.find(std::string("libtorch version mismatch: the host has ") + MMKD_TORCH_VERSION_STRING +
                         ", the plugin was built with 0.0.1"),
            std::string::npos)
      << message;
}

TEST(PluginLoader, DuplicateComponentNamesBothLibraries) {
  const std::string message = load_error({builtin_plugin_dir(), test_plugin("test_duplicate_loss")});
  EXPECT_NE(message.find("two loss components named `clip_contrastive`"), std::string::npos) << message;
  EXPECT_NE(message.find("mmkd_losses_contrastive.so"), std::string::npos) << message;
  EXPECT_NE(message.find("mmkd_test_duplicate_loss.so"), std::string::npos) << message;
}

TEST(PluginLoader, FoldersLoadOnlyMmkdLibraries) {
  TempDir dir;
  write_file(dir.file("libsomething.so"), "not a library");
  Registry registry;
  EXPECT_NO_THROW(load_plugin_paths(registry, {dir.path()}));
  EXPECT_TRUE(registry.types(Kind::Loss).empty());
}

TEST(PluginLoader, EnvironmentPathIsSearchedAfterTheBuildFolder) {
  setenv("MMKD_PLUGIN_PATH", (test_plugin("test_nan_loss") + ":" + test_plugin("test_sleep_loss")).c_str(), 1);
  Registry registry;
  auto searched = load_all_plugins(registry);
  unsetenv("MMKD_PLUGIN_PATH");
  ASSERT_EQ(searched.size(), 3u);
  EXPECT_EQ(searched[0], builtin_plugin_dir());
  EXPECT_NE(registry.find(Kind::Loss, "test_nan_after"), nullptr);
  EXPECT_NE(registry.find(Kind::Loss, "test_sleep"), nullptr);
  EXPECT_NE(registry.find(Kind::Loss, "clip_contrastive"), nullptr);
}

TEST(Cli, ListAndDescribeShowComponentsLibrariesAndOptions) {
  auto list = run_command(mmkd_executable() + " list");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("loss:"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("mmkd_losses_contrastive.so"), std::string::npos) << list.output;
  auto describe = run_command(mmkd_executable() + " describe loss/clip_contrastive");
  EXPECT_EQ(describe.exit_code, 0) << describe.output;
  EXPECT_NE(describe.output.find("init_temperature (float, default 0.07"), std::string::npos) << describe.output;
  auto typo = run_command(mmkd_executable() + " describe loss/clip_contrastiv");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("did you mean `clip_contrastive`?"), std::string::npos) << typo.output;
}

}  // namespace

namespace {

struct DeclaresInputs : mmkd::Encoder {
  static mmkd::ComponentInfo info() {
    mmkd::ComponentInfo info("declares_inputs", "an encoder whose option clashes with the host's `inputs:` key");
    info.option<std::string>("inputs", "", "never read: the host takes this key");
    return info;
  }
  DeclaresInputs(const mmkd::Options&, const mmkd::Context&) {}
  mmkd::TensorMap forward(const mmkd::TensorMap&) override { return {}; }
};

TEST(Registry, RefusesOptionsNamedAfterKeysTheHostReads) {
  mmkd::Registry registry;
  mmkd::testing::expect_error_naming([&] { registry.add<DeclaresInputs>(); },
                                     {"declares_inputs", "option named `inputs`", "rename"});
}

}  // namespace

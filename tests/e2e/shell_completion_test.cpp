#include "expect_contains.hpp"
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace mmkd::testing;

namespace {

// A folder with tiny.yaml, the script of `mmkd completion bash` and complete.sh, which sources
// it and prints the completions of the words it is given, as bash would for the last one.
class ShellCompletion : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.file("tiny.yaml"), tiny_experiment_yaml(dir_.file("runs")));
    write_file(dir_.file("complete.sh"), R"(source ./mmkd.bash
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
_mmkd
printf '%s\n' "${COMPREPLY[@]}"
)");
    auto script = mmkd_in(dir_.path(), "completion bash > mmkd.bash");
    ASSERT_EQ(script.exit_code, 0) << script.output;
  }

  // The completions of `mmkd WORDS`, the last word being completed, one a line.
  std::string complete(const std::string& words) {
    auto result = run_command("cd '" + dir_.path() + "' && bash complete.sh '" + mmkd_executable() + "' " + words);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }

  TempDir dir_;
};

TEST_F(ShellCompletion, HelpersListComponentsAndTheResolvedConfigKeys) {
  auto components = mmkd_in(dir_.path(), "completion --components");
  ASSERT_EQ(components.exit_code, 0) << components.output;
  EXPECT_CONTAINS(components.output, "loss/clip_contrastive\n");
  auto keys = mmkd_in(dir_.path(), "completion --keys tiny.yaml");
  ASSERT_EQ(keys.exit_code, 0) << keys.output;
  EXPECT_CONTAINS(keys.output, "trainer.batch_size=\n");
  // Not in tiny.yaml: the defaults of the plan.
  EXPECT_CONTAINS(keys.output, "model.image.mlp_ratio=\n");
  EXPECT_CONTAINS(keys.output, "trainer.max_steps=\n");
}

TEST_F(ShellCompletion, CompletesCommandsComponentsFilesAndKeys) {
  EXPECT_CONTAINS(complete("r"), "run\n");
  EXPECT_EQ(complete("describe loss/clip"), "loss/clip_contrastive\n");
  EXPECT_EQ(complete("run ti"), "tiny.yaml\n");
  EXPECT_EQ(complete("run tiny.yaml trainer.bat"), "trainer.batch_size=\n");
  EXPECT_EQ(complete("run tiny.yaml --res"), "--resume\n");
  EXPECT_EQ(complete("completion z"), "zsh\n");
}

TEST_F(ShellCompletion, CompletesTheToolsBesideTheBinary) {
  if (!std::filesystem::exists(std::filesystem::path(mmkd_executable()).parent_path() / "mmkd-wandb-sync"))
    GTEST_SKIP() << "mmkd-wandb-sync is not built";
  EXPECT_EQ(complete("wandb-s"), "wandb-sync\n");
}

}  // namespace

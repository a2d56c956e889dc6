#include "expect_contains.hpp"
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace mmkd::testing;

namespace {

// `mmkd --help` lists the built-in commands, then each tool mmkd-NAME beside the binary with the
// first line of its own --help.
TEST(HelpListsTools, ListsCommandsAndToolsWithTheirSummaries) {
  TempDir dir;
  auto help = mmkd_in(dir.path(), "--help");
  ASSERT_EQ(help.exit_code, 0) << help.output;
  for (const char* command : {"run", "validate", "list", "describe", "eval", "sweep", "completion"})
    EXPECT_CONTAINS(help.output, "\n  " + std::string(command) + " ");
  int tools = 0;
  for (const auto& file : std::filesystem::directory_iterator(std::filesystem::path(mmkd_executable()).parent_path())) {
    const std::string name = file.path().filename().string();
    if (name.rfind("mmkd-", 0) != 0) continue;
    ++tools;
    auto tool_help = run_command("'" + file.path().string() + "' --help");
    const std::string summary = tool_help.output.substr(0, tool_help.output.find('\n'));
    ASSERT_FALSE(summary.empty()) << name;
    EXPECT_CONTAINS(help.output, "\n  " + name.substr(5) + " ");
    EXPECT_CONTAINS(help.output, summary + "\n");
  }
  if (tools > 0) EXPECT_CONTAINS(help.output, "\nTools (mmkd-NAME beside mmkd):\n");
}

}  // namespace

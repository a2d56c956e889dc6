#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace mmkd::testing;

namespace {

// The first line where two texts differ, with its number, as "line N: `a` / `b`".
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream a_lines(a), b_lines(b);
  std::string a_line, b_line;
  for (int number = 1;; ++number) {
    const bool a_more = static_cast<bool>(std::getline(a_lines, a_line));
    const bool b_more = static_cast<bool>(std::getline(b_lines, b_line));
    if (!a_more && !b_more) return "the last newline";
    if (!a_more || !b_more || a_line != b_line)
      return "line " + std::to_string(number) + ": `" + (a_more ? a_line : "(end)") + "` / `" +
             (b_more ? b_line : "(end)") + "`";
  }
}

// docs/reference.md is what `mmkd describe --all --markdown` prints with the plugins of this tree.
TEST(ReferenceDoc, IsUpToDate) {
  TempDir dir;
  const std::string generated = dir.file("reference.md");
  auto result = run_command("cd '" + source_dir() + "' && env -u MMKD_PLUGIN_PATH '" + mmkd_executable() +
                            "' describe --all --markdown > '" + generated + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string committed = read_file(source_dir() + "/docs/reference.md");
  const std::string current = read_file(generated);
  EXPECT_TRUE(committed == current) << "docs/reference.md is out of date (committed / generated, "
                                    << first_difference(committed, current)
                                    << "); regenerate it from the repository root with\n  " << mmkd_executable()
                                    << " describe --all --markdown > docs/reference.md";
}

}  // namespace

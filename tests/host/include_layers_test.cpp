#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

namespace {

// The folders of host/src by layer: a file includes its own folder and folders of lower layers only.
const std::map<std::string, int> kHostLayers = {
    {"sdk", 0},   {"util", 0},  {"io", 0},      {"config", 1},  {"convert", 1},     {"plugins", 1},
    {"graph", 2}, {"data", 3},  {"optim", 3},   {"state", 3},   {"metrics", 3},     {"distributed", 3},
    {"report", 3}, {"train", 4}, {"cli", 5},
};

TEST(IncludeLayers, NoHostFolderIncludesOneOfItsOwnOrAHigherLayer) {
  namespace fs = std::filesystem;
  const fs::path host = fs::path(mmkd::testing::source_dir()) / "host" / "src";
  const std::regex include(R"re(^#include "([a-z_]+)/[\w./]+")re");
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(host)) {
    if (!entry.is_regular_file() || entry.path().parent_path() == host) continue;
    const std::string folder = entry.path().parent_path().filename().string();
    ASSERT_TRUE(kHostLayers.count(folder)) << "host/src/" << folder << " has no layer in this test";
    ++files;
    std::ifstream in(entry.path());
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      std::smatch match;
      if (!std::regex_search(line, match, include) || match[1] == folder) continue;
      const auto included = kHostLayers.find(match[1]);
      ASSERT_NE(included, kHostLayers.end()) << entry.path() << ":" << number << ": " << line;
      EXPECT_LT(included->second, kHostLayers.at(folder))
          << entry.path() << ":" << number << " includes " << match[1] << "/ (layer " << included->second
          << ") from " << folder << "/ (layer " << kHostLayers.at(folder) << ")";
    }
  }
  EXPECT_GT(files, 100);
}

}  // namespace

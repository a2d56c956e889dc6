#include "io/atomic_file.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;
using mmkd::testing::read_file;
using mmkd::testing::TempDir;

namespace {

std::vector<std::string> files_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST(AtomicFile, WritesContentAndLeavesNoTemporaryFile) {
  TempDir dir;
  mmkd::write_text_atomically(dir.file("a.txt"), "first");
  mmkd::write_text_atomically(dir.file("a.txt"), "second");
  EXPECT_EQ(read_file(dir.file("a.txt")), "second");
  EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"a.txt"});
}

TEST(AtomicFile, CreatesMissingParentFolders) {
  TempDir dir;
  mmkd::write_text_atomically(dir.file("runs/exp/config.yaml"), "seed: 0\n");
  EXPECT_EQ(read_file(dir.file("runs/exp/config.yaml")), "seed: 0\n");
}

TEST(AtomicFile, WriterGetsATemporaryPathBesideTheTarget) {
  TempDir dir;
  std::string temporary;
  mmkd::write_file_atomically(dir.file("a.bin"), [&](const std::string& path) {
    temporary = path;
    mmkd::testing::write_file(path, "x");
  });
  EXPECT_EQ(fs::path(temporary).parent_path(), fs::path(dir.path()));
  EXPECT_NE(temporary, dir.file("a.bin"));
  EXPECT_FALSE(fs::exists(temporary));
}

TEST(AtomicFile, ExceptionKeepsOldContentAndRemovesTemporaryFile) {
  TempDir dir;
  mmkd::write_text_atomically(dir.file("a.txt"), "old");
  EXPECT_THROW(mmkd::write_file_atomically(dir.file("a.txt"),
                                           [](const std::string& path) {
                                             mmkd::testing::write_file(path, "half-writ");
                                             throw std::runtime_error("disk full");
                                           }),
               std::runtime_error);
  EXPECT_EQ(read_file(dir.file("a.txt")), "old");
  EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"a.txt"});
}

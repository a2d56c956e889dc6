#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace {

using mmkd::testing::read_file;
using mmkd::testing::TempDir;
using mmkd::testing::write_file;

std::vector<nlohmann::json> lines_of(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

mmkd::testing::CommandResult build_index(const std::string& arguments) {
  return mmkd::testing::run_command("python3 '" + mmkd::testing::source_dir() + "/tools/build_index.py' " + arguments);
}

TEST(BuildIndex, KarpathySplitsOneLinePerCaption) {
  TempDir dir;
  write_file(dir.file("dataset_coco.json"), R"({"dataset": "coco", "images": [
    {"filepath": "val2014", "filename": "a.jpg", "imgid": 0, "split": "test",
     "sentences": [{"raw": "A dog."}, {"raw": "A brown dog."}]},
    {"filepath": "train2014", "filename": "b.jpg", "imgid": 1, "split": "restval", "sentences": [{"raw": "Cats."}]},
    {"filepath": "train2014", "filename": "c.jpg", "imgid": 2, "split": "train", "sentences": [{"raw": "A car."}]}]})");
  auto r = build_index("karpathy '" + dir.file("dataset_coco.json") + "' --out '" + dir.file("coco") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto test = lines_of(dir.file("coco/test.jsonl")), train = lines_of(dir.file("coco/train.jsonl"));
  ASSERT_EQ(test.size(), 2u);
  EXPECT_EQ(test[1], nlohmann::json({{"id", 0}, {"image", "val2014/a.jpg"}, {"text", "A brown dog."}}));
  ASSERT_EQ(train.size(), 2u);  // restval joins train
  EXPECT_EQ(train[0]["image"], "train2014/b.jpg");
  EXPECT_TRUE(lines_of(dir.file("coco/val.jsonl")).empty());
}

TEST(BuildIndex, VisualGenomeRegionsPairedWithTheirImage) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("images/VG_100K_2"));
  write_file(dir.file("images/VG_100K_2/7.jpg"), "");
  write_file(dir.file("regions.json"), R"([
    {"id": 7, "regions": [{"region_id": 1, "image_id": 7, "phrase": " a red kite "},
                          {"region_id": 2, "image_id": 7, "phrase": "blue sky"}]},
    {"id": 8, "regions": [{"region_id": 3, "image_id": 8, "phrase": "grass"}]}])");
  auto r = build_index("vg '" + dir.file("regions.json") + "' --images '" + dir.file("images") + "' --out '" +
                       dir.file("vg.jsonl") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = lines_of(dir.file("vg.jsonl"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], nlohmann::json({{"id", 7}, {"image", "VG_100K_2/7.jpg"}, {"text", "a red kite"}}));
  EXPECT_EQ(lines[2]["image"], "VG_100K/8.jpg");
}

}  // namespace

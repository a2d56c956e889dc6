#include "run_store.hpp"

#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace mmkd::wandb {
namespace {

using mmkd::testing::TempDir;
using mmkd::testing::write_file;

// Found by fuzzing the files a run leaves: a `_step` that is not a number threw from the JSON
// library, a negative `acked_rows` made the upload read before the first row, and a `_runtime`
// beyond int64 was converted to one (undefined behaviour).
TEST(RunStore, DamagedHistoryAndUploadStateAreReadWithoutTrustingTheirTypes) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("wandb"));
  write_file(dir.file("wandb/history.jsonl"), "{\"_step\": \"x\", \"loss\": 1}\n{\"_step\": 2, \"loss\": 0.5, \"_runtime\": 1e39}\n");
  write_file(dir.file("wandb/upload.json"), R"({"target": 5, "acked_rows": -4, "exit_sent": "yes", "exitcode": 1})");
  {
    const RunStore store(dir.path());
    EXPECT_EQ(store.rows(), 2);
    EXPECT_EQ(store.last_step(), 2);
    EXPECT_EQ(store.state().acked_rows, 0);
    EXPECT_EQ(store.state().target, "");
    EXPECT_FALSE(store.state().exit_sent);
    EXPECT_EQ(store.state().exitcode, 1);
    EXPECT_EQ(store.lines(store.state().acked_rows, store.rows()).size(), 2u);
    EXPECT_NE(store.summary_line().find(R"("_wandb":{"runtime":1000000000000})"), std::string::npos) << store.summary_line();
  }
  write_file(dir.file("wandb/upload.json"), R"({"target": "t", "acked_rows": 99, "exit_sent": true})");
  const RunStore store(dir.path());
  EXPECT_EQ(store.state().acked_rows, 2);
  EXPECT_EQ(store.state().target, "t");
  EXPECT_TRUE(store.state().exit_sent);
}

}  // namespace
}  // namespace mmkd::wandb

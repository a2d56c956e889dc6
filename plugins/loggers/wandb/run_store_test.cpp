#include <mmkd_wandb/run_store.hpp>

#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mmkd::wandb {
namespace {

using mmkd::testing::read_file;
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

// Beside a live owner, a snapshot (mmkd-wandb-sync of a running run) reads the complete rows and
// the upload state, names the owner, and changes no file.
TEST(RunStore, ASnapshotBesideALiveOwnerReadsTheCompleteRowsAndWritesNothing) {
  TempDir dir;
  RunStore owner(dir.path());
  owner.append({{"_step", 1}, {"loss", 1.0}});
  owner.append({{"_step", 2}, {"loss", 0.5}});
  owner.save(UploadState{"e/p/r", 1, std::nullopt, false});
  std::ofstream(dir.file("wandb/history.jsonl"), std::ios::app) << R"({"_step": 3, "lo)";  // a row being written
  const std::string history = read_file(dir.file("wandb/history.jsonl"));
  const std::string upload_state = read_file(dir.file("wandb/upload.json"));

  try {
    RunStore second_owner(dir.path());
    ADD_FAILURE() << "a second owner of a held folder";
  } catch (const FolderInUse& in_use) {
    EXPECT_EQ(in_use.holder.rfind("process " + std::to_string(getpid()) + " on ", 0), 0u) << in_use.holder;
    EXPECT_NE(std::string(in_use.what()).find(" is in use by " + in_use.holder), std::string::npos) << in_use.what();
  }
  RunStore snapshot(dir.path(), StoreAccess::Snapshot);
  EXPECT_EQ(snapshot.rows(), 2);
  EXPECT_EQ(snapshot.last_step(), 2);
  EXPECT_EQ(snapshot.state().target, "e/p/r");
  EXPECT_EQ(snapshot.state().acked_rows, 1);
  snapshot.save(UploadState{"e/p/r", 2, 0, true});
  EXPECT_EQ(snapshot.state().acked_rows, 2);
  EXPECT_THROW(snapshot.append({{"_step", 4}}), std::logic_error);
  EXPECT_EQ(read_file(dir.file("wandb/history.jsonl")), history);
  EXPECT_EQ(read_file(dir.file("wandb/upload.json")), upload_state);
}

}  // namespace
}  // namespace mmkd::wandb

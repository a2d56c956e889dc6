#include "distributed/launcher.hpp"
#include "io/atomic_file.hpp"
#include "mmkd_testing.hpp"

#include <mmkd/error.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

using mmkd::testing::TempDir;
using namespace std::chrono_literals;

namespace {

constexpr const char* kActionsVariable = "MMKD_LAUNCHER_CHILD";
constexpr const char* kFolderVariable = "MMKD_LAUNCHER_DIR";

std::string variable_or_unset(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "<unset>" : value;
}

std::string record_path(const std::string& folder, int rank) { return folder + "/rank" + std::to_string(rank); }

// The action of this rank: its entry in the comma-separated list, or the last entry.
std::string action_of(int rank, const std::string& actions) {
  std::vector<std::string> entries;
  std::istringstream stream(actions);
  for (std::string entry; std::getline(stream, entry, ',');) entries.push_back(entry);
  return entries.at(std::min<std::size_t>(rank, entries.size() - 1));
}

void wait_for_every_record(const std::string& folder, int world_size) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (int rank = 0; rank < world_size && std::chrono::steady_clock::now() < deadline;)
    if (std::filesystem::exists(record_path(folder, rank)))
      ++rank;
    else
      std::this_thread::sleep_for(5ms);
}

[[noreturn]] void sleep_until_killed() {
  std::this_thread::sleep_for(60s);
  std::_Exit(99);
}

void exit_like_the_trainer(int signal_number) { std::_Exit(128 + signal_number); }

void prepare_signals(const std::string& action) {
  if (action == "stubborn") std::signal(SIGTERM, SIG_IGN);
  if (action == "stoppable" || action == "interrupt") {
    std::signal(SIGINT, exit_like_the_trainer);
    std::signal(SIGTERM, exit_like_the_trainer);
  }
}

// Sets (or, with nullopt, unsets) an environment variable for the life of the object.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    assign(value);
  }
  ~ScopedVariable() { assign(old_); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  void assign(const std::optional<std::string>& value) {
    if (value)
      setenv(name_.c_str(), value->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }
  std::string name_;
  std::optional<std::string> old_;
};

struct LaunchResult {
  int code = -1;
  std::string errors;  // the launcher's and the ranks' stderr
  std::chrono::duration<double> elapsed{};
};

// Launches `nproc` copies of this test binary running LauncherChild with `actions`.
LaunchResult launch(int nproc, const std::string& actions, const TempDir& folder, std::chrono::seconds grace) {
  ScopedVariable actions_variable(kActionsVariable, actions);
  ScopedVariable folder_variable(kFolderVariable, folder.path());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  LaunchResult result;
  const auto start = std::chrono::steady_clock::now();
  result.code = mmkd::launch_local_ranks(nproc, {"--gtest_filter=LauncherChild.*", "--gtest_brief=1"}, grace);
  result.elapsed = std::chrono::steady_clock::now() - start;
  ::testing::internal::GetCapturedStdout();
  result.errors = ::testing::internal::GetCapturedStderr();
  return result;
}

struct RankRecord {
  std::string rank, local_rank, world_size, local_world_size, master_addr, master_port;
};

RankRecord read_record(const TempDir& folder, int rank) {
  std::istringstream stream(mmkd::testing::read_file(record_path(folder.path(), rank)));
  RankRecord record;
  stream >> record.rank >> record.local_rank >> record.world_size >> record.local_world_size >> record.master_addr >>
      record.master_port;
  return record;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

void ignore_signal_in_test(int) {}

}  // namespace

// Run by the launched ranks only. MMKD_LAUNCHER_CHILD lists one action per rank (the last one
// for the ranks after it); every rank first writes its rendezvous variables to
// MMKD_LAUNCHER_DIR/rank<RANK>. ok: exit 0. exit:N / kill:N: once every rank has written its
// record, exit with N / raise signal N. sleep: until killed. stubborn: ignore SIGTERM, sleep.
// stoppable: exit 128 + signal on SIGINT/SIGTERM like the trainer, sleep. interrupt: stoppable,
// and once every rank has written its record, send SIGINT to the launcher.
TEST(LauncherChild, ActsAsItsRankIsTold) {
  const char* actions = std::getenv(kActionsVariable);
  if (actions == nullptr) GTEST_SKIP() << "run by launch_local_ranks only";
  const int rank = std::stoi(std::getenv("RANK"));
  const int world_size = std::stoi(std::getenv("WORLD_SIZE"));
  const std::string folder = std::getenv(kFolderVariable);
  const std::string action = action_of(rank, actions);
  prepare_signals(action);
  std::string record;
  for (const char* name : {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"})
    record += variable_or_unset(name) + " ";
  mmkd::write_text_atomically(record_path(folder, rank), record);
  if (action == "ok") return;
  if (action.rfind("exit:", 0) == 0 || action.rfind("kill:", 0) == 0 || action == "interrupt")
    wait_for_every_record(folder, world_size);
  if (action.rfind("exit:", 0) == 0) std::_Exit(std::stoi(action.substr(5)));
  if (action.rfind("kill:", 0) == 0) raise(std::stoi(action.substr(5)));
  if (action == "interrupt") kill(getppid(), SIGINT);
  sleep_until_killed();
}

TEST(Launcher, StartsEveryRankWithItsRankAndTheSharedRendezvous) {
  ScopedVariable no_addr("MASTER_ADDR", std::nullopt), no_port("MASTER_PORT", std::nullopt);
  TempDir folder;
  const LaunchResult result = launch(3, "ok", folder, 30s);
  EXPECT_EQ(result.code, 0);
  EXPECT_EQ(count_of(result.errors, "mmkd: rank"), 0u) << result.errors;
  std::set<std::string> ranks;
  const std::string port = read_record(folder, 0).master_port;
  EXPECT_GT(std::stoi(port), 0);
  EXPECT_LT(std::stoi(port), 65536);
  for (int rank = 0; rank < 3; ++rank) {
    const RankRecord record = read_record(folder, rank);
    ranks.insert(record.rank);
    EXPECT_EQ(record.rank, std::to_string(rank));
    EXPECT_EQ(record.local_rank, std::to_string(rank));
    EXPECT_EQ(record.world_size, "3");
    EXPECT_EQ(record.local_world_size, "3");
    EXPECT_EQ(record.master_addr, "127.0.0.1");
    EXPECT_EQ(record.master_port, port);
  }
  EXPECT_EQ(ranks, (std::set<std::string>{"0", "1", "2"}));
}

TEST(Launcher, KeepsTheMasterAddressAndPortOfTheCaller) {
  ScopedVariable addr("MASTER_ADDR", "10.1.2.3"), port("MASTER_PORT", "29533");
  TempDir folder;
  EXPECT_EQ(launch(2, "ok", folder, 30s).code, 0);
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(read_record(folder, rank).master_addr, "10.1.2.3");
    EXPECT_EQ(read_record(folder, rank).master_port, "29533");
  }
}

TEST(Launcher, FailingRankGivesItsExitCodeAndStopsTheOthers) {
  TempDir folder;
  const LaunchResult result = launch(2, "sleep,exit:3", folder, 30s);
  EXPECT_EQ(result.code, 3);
  EXPECT_LT(result.elapsed, 20s);
  EXPECT_NE(result.errors.find("mmkd: rank 1 exited with code 3\n"), std::string::npos) << result.errors;
  EXPECT_EQ(count_of(result.errors, "mmkd: rank"), 1u) << result.errors;
}

TEST(Launcher, RankIgnoringSigtermIsKilledAfterTheGracePeriod) {
  TempDir folder;
  const LaunchResult result = launch(2, "stubborn,exit:4", folder, 1s);
  EXPECT_EQ(result.code, 4);
  EXPECT_GE(result.elapsed, 1s);
  EXPECT_LT(result.elapsed, 20s);
  EXPECT_EQ(count_of(result.errors, "mmkd: rank"), 1u) << result.errors;
}

TEST(Launcher, RankKilledBySignalGives128PlusTheSignal) {
  TempDir folder;
  const LaunchResult result = launch(2, "sleep,kill:9", folder, 30s);
  EXPECT_EQ(result.code, 137);
  EXPECT_NE(result.errors.find("mmkd: rank 1 was killed by signal 9 (Killed)\n"), std::string::npos) << result.errors;
  EXPECT_EQ(count_of(result.errors, "mmkd: rank"), 1u) << result.errors;
}

TEST(Launcher, ForwardsSigintAndReturnsTheRanksExitQuietlyThenRestoresTheHandler) {
  struct sigaction test_handler {}, original {}, after {};
  test_handler.sa_handler = ignore_signal_in_test;
  sigemptyset(&test_handler.sa_mask);
  sigaction(SIGINT, &test_handler, &original);
  TempDir folder;
  const LaunchResult result = launch(2, "stoppable,interrupt", folder, 30s);
  sigaction(SIGINT, &original, &after);
  EXPECT_EQ(result.code, 130);
  EXPECT_LT(result.elapsed, 20s);
  EXPECT_EQ(count_of(result.errors, "mmkd: rank"), 0u) << result.errors;
  EXPECT_EQ(after.sa_handler, &ignore_signal_in_test);
}

TEST(Launcher, RejectsFewerThanOneRank) { EXPECT_THROW(mmkd::launch_local_ranks(0, {}, 1s), mmkd::Error); }

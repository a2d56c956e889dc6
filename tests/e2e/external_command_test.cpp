#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

using namespace mmkd::testing;

namespace {

// `mmkd wandb-sync ARGS` runs the tool mmkd-wandb-sync beside the mmkd binary with the same
// arguments and exit status; an unknown command is still an error.
TEST(ExternalCommand, RunsTheToolBesideTheBinary) {
  TempDir dir;
  auto sync = mmkd_in(dir.path(), "wandb-sync " + dir.file("no_run"));
  EXPECT_EQ(sync.exit_code, 2) << sync.output;
  EXPECT_NE(sync.output.find(dir.file("no_run")), std::string::npos) << sync.output;
  auto unknown = mmkd_in(dir.path(), "frobnicate");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
}

}  // namespace

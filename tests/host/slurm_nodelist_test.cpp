#include "dist/process_group.hpp"
#include "dist/slurm_nodelist.hpp"

#include "expect_error.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace mmkd {
namespace {

TEST(SlurmNodelist, FirstHostOfACompressedList) {
  EXPECT_EQ(first_slurm_host("gpu[01-04,07]"), "gpu01");
  EXPECT_EQ(first_slurm_host("gpu[07,01-04],cpu5"), "gpu07");
  EXPECT_EQ(first_slurm_host("node12"), "node12");
  EXPECT_EQ(first_slurm_host("a1,b[2-3]"), "a1");
  EXPECT_EQ(first_slurm_host("rack[2-3]-n[008-010]"), "rack2-n008");
  EXPECT_EQ(first_slurm_host("gpu[5]-ib"), "gpu5-ib");
  testing::expect_error_naming([] { first_slurm_host("gpu[01-04"); }, {"SLURM node list `gpu[01-04` has an unclosed `[`"});
  testing::expect_error_naming([] { first_slurm_host(""); }, {"names no host"});
}

// In an allocation of several nodes srun sets no MASTER_ADDR: rank 0's host is the node list's first.
TEST(SlurmNodelist, MasterAddressOfASlurmJobIsItsFirstNode) {
  for (const char* name : {"WORLD_SIZE", "MASTER_ADDR", "SLURM_STEP_NODELIST"}) unsetenv(name);
  setenv("SLURM_NTASKS", "8", 1);
  setenv("SLURM_PROCID", "5", 1);
  setenv("SLURM_LOCALID", "1", 1);
  setenv("SLURM_JOB_NODELIST", "gpu[03-04,09]", 1);
  const auto env = distributed_env_from_environment();
  setenv("MASTER_ADDR", "10.0.0.7", 1);
  const auto given = distributed_env_from_environment();
  for (const char* name : {"SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_JOB_NODELIST", "MASTER_ADDR"})
    unsetenv(name);
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->master_addr, "gpu03");
  EXPECT_EQ(env->rank, 5);
  EXPECT_EQ(env->world_size, 8);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(given->master_addr, "10.0.0.7");
}

}  // namespace
}  // namespace mmkd

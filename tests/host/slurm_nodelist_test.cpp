#include "distributed/process_group.hpp"
#include "distributed/slurm_nodelist.hpp"

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
  setenv("SLURM_STEP_NUM_TASKS", "8", 1);
  setenv("SLURM_PROCID", "5", 1);
  setenv("SLURM_LOCALID", "1", 1);
  setenv("SLURM_JOB_NODELIST", "gpu[03-04,09]", 1);
  const auto env = distributed_env_from_environment();
  setenv("MASTER_ADDR", "10.0.0.7", 1);
  const auto given = distributed_env_from_environment();
  for (const char* name :
       {"SLURM_NTASKS", "SLURM_STEP_NUM_TASKS", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_JOB_NODELIST", "MASTER_ADDR"})
    unsetenv(name);
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->launcher, "srun");
  EXPECT_EQ(env->master_addr, "gpu03");
  EXPECT_EQ(env->rank, 5);
  EXPECT_EQ(env->world_size, 8);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(given->master_addr, "10.0.0.7");
}

// An sbatch script's own shell has the job's SLURM_NTASKS but no step: it is one process.
TEST(SlurmNodelist, TheBatchScriptOutsideSrunIsOneProcess) {
  for (const char* name : {"WORLD_SIZE", "MASTER_ADDR", "SLURM_STEP_NUM_TASKS"}) unsetenv(name);
  setenv("SLURM_NTASKS", "4", 1);
  setenv("SLURM_PROCID", "0", 1);
  const auto env = distributed_env_from_environment();
  const auto tasks = slurm_tasks_without_srun();
  setenv("SLURM_STEP_NUM_TASKS", "2", 1);
  const auto step = distributed_env_from_environment();
  const auto tasks_in_step = slurm_tasks_without_srun();
  for (const char* name : {"SLURM_NTASKS", "SLURM_PROCID", "SLURM_STEP_NUM_TASKS"}) unsetenv(name);
  EXPECT_FALSE(env.has_value());
  EXPECT_EQ(tasks, std::optional<int>(4));
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->world_size, 2);  // the step's tasks, not the job's
  EXPECT_FALSE(tasks_in_step.has_value());
}

// torchrun's agent serves the store on MASTER_PORT: rank 0 joins it as a client.
TEST(SlurmNodelist, TorchrunsAgentStoreIsUsedWhenAnnounced) {
  setenv("WORLD_SIZE", "2", 1);
  setenv("RANK", "0", 1);
  const auto own = distributed_env_from_environment();
  setenv("TORCHELASTIC_USE_AGENT_STORE", "True", 1);
  const auto agent = distributed_env_from_environment();
  for (const char* name : {"WORLD_SIZE", "RANK", "TORCHELASTIC_USE_AGENT_STORE"}) unsetenv(name);
  ASSERT_TRUE(own && agent);
  EXPECT_FALSE(own->agent_store);
  EXPECT_TRUE(agent->agent_store);
  EXPECT_EQ(agent->launcher, "torchrun");
}

}  // namespace
}  // namespace mmkd

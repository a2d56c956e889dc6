#pragma once
// The ranks of a data-parallel run, through libtorch's c10d: a TCPStore rendezvous and a
// Gloo (CPU) or NCCL (CUDA) process group.
#include <mmkd/collectives.hpp>

#include <torch/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mmkd {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool agent_store = false;  // torchrun's agent serves the store: every rank joins as a client
  std::string launcher;      // "torchrun" or "srun"
};

// From torchrun's RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT and
// TORCHELASTIC_USE_AGENT_STORE, or an srun step's SLURM_PROCID, SLURM_STEP_NUM_TASKS,
// SLURM_LOCALID (MASTER_PORT from the environment; MASTER_ADDR too, else the first host of
// SLURM_STEP_NODELIST or SLURM_JOB_NODELIST); none when WORLD_SIZE (or SLURM_STEP_NUM_TASKS)
// is absent or 1. Error for malformed values.
std::optional<DistributedEnv> distributed_env_from_environment();

// SLURM_NTASKS when it is above 1 in a process srun did not start (an sbatch script's own
// shell), where a run trains on one process instead of waiting for tasks that never come.
std::optional<int> slurm_tasks_without_srun();

class ProcessGroupCollectives : public Collectives {
 public:
  // Joins the job: rank 0 (or torchrun's agent) serves the store on MASTER_PORT, and the
  // ranks wait for each other up to `timeout`, which also bounds every later collective. Errors name the rank, the address
  // and the cause (port in use, a rank that never joined).
  ProcessGroupCollectives(const DistributedEnv& env, torch::Device device, std::chrono::milliseconds timeout);
  ~ProcessGroupCollectives() override;

  int rank() const override { return env_.rank; }
  int world_size() const override { return env_.world_size; }
  const DistributedEnv& env() const { return env_; }

  std::vector<torch::Tensor> all_gather(const torch::Tensor& tensor) override;
  void all_reduce_sum(torch::Tensor& tensor) override;
  // Starts summing `tensor` in place across ranks; the returned function waits for it.
  std::function<void()> start_all_reduce_sum(torch::Tensor& tensor);
  void broadcast(torch::Tensor& tensor, int root);
  // Rank 0's `value` on every rank (e.g. the run folder rank 0 chose).
  std::string share_from_rank0(const std::string& key, const std::string& value);

 private:
  struct Impl;
  DistributedEnv env_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmkd

#include "python_tools.hpp"
#include "tiny_experiment.hpp"

#include <mmkd/safetensors.hpp>
#include <mmkd/version.hpp>

#include <gtest/gtest.h>
#include <torch/types.h>

#include <arpa/inet.h>
#include <chrono>
#include <filesystem>
#include <functional>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mmkd::testing;

namespace {

// A tiny experiment with the contrastive and the contrastive-target loss (memory bank), no
// dropout, so that 2 ranks x batch 8 and 1 rank x batch 16 train the same model.
std::string data_parallel_experiment(const std::string& extra_losses = "") {
  return "name: dist\nseed: 7\n" + tiny_deterministic_model_yaml() + R"(losses:
  clip: {type: clip_contrastive, inputs: {image: image.embedding, text: text.embedding}}
  target: {type: contrastive_target, bank_size: 24, dim: 16, inputs: {image: image.embedding, text: text.embedding, teacher: image.cls}}
)" + extra_losses + R"(optimizer: {lr: 1.0e-3}
trainer: {max_steps: 3, batch_size: 8, log_every: 1, threads: 1, distributed_timeout: 10}
log: {runs_dir: runs}
)";
}

std::string rank_env(int rank, int port) {
  return "RANK=" + std::to_string(rank) + " LOCAL_RANK=" + std::to_string(rank) +
         " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " ";
}

// A memory bank's rows sorted by a projection: ranks enqueue the same keys in another order when
// they gather micro-batches (gradcache), and the order of negatives changes no loss.
torch::Tensor queue_rows_in_one_order(const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.to(torch::kDouble);
  const bool rows = name.size() > 5 && name.compare(name.size() - 5, 5, ".rows") == 0 && values.dim() == 2;
  if (!rows) return values;
  const torch::Tensor projection = values.matmul(torch::linspace(1.0, 3.0, values.size(1), torch::kDouble));
  return values.index_select(0, std::get<1>(projection.sort()));
}

// `launch_two` trains exp.yaml on 2 ranks of batch 8 into `two/` from the folder it is given.
void expect_two_ranks_train_like_one(const std::string& overrides,
                                     const std::function<CommandResult(const TempDir&)>& launch_two) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), data_parallel_experiment());
  auto two = launch_two(dir);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("2 ranks (Gloo), batch 8 per rank"), std::string::npos) << two.output;
  auto one = mmkd_in(dir.path(), "run exp.yaml --run-dir one trainer.batch_size=16 " + overrides);
  ASSERT_EQ(one.exit_code, 0) << one.output;

  auto distributed = mmkd::read_safetensors(dir.file("two/final.safetensors"));
  auto single = mmkd::read_safetensors(dir.file("one/final.safetensors"));
  ASSERT_EQ(distributed.size(), single.size());
  ASSERT_TRUE(distributed.count("losses.target.memory_bank.rows"));
  for (const auto& [name, tensor] : single) {
    ASSERT_TRUE(distributed.count(name)) << name;
    const torch::Tensor a = queue_rows_in_one_order(name, distributed.at(name)), b = queue_rows_in_one_order(name, tensor);
    EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-5)) << name << " differs by " << (a - b).abs().max().item<double>();
  }
  EXPECT_NE(read_file(dir.file("two/metrics.jsonl")).find("\"step\":2"), std::string::npos);
}

void expect_two_ranks_train_like_one(const std::string& overrides) {
  expect_two_ranks_train_like_one(overrides, [&](const TempDir& dir) {
    return mmkd_in(dir.path(), "run exp.yaml --run-dir two --nproc 2 " + overrides);
  });
}

TEST(DataParallel, TwoGlooRanksTrainLikeOneRankWithTheDoubleBatch) { expect_two_ranks_train_like_one(""); }

// Gradients of the first micro-batch are accumulated before the hooks of the second start
// the collectives.
TEST(DataParallel, TwoGlooRanksWithAccumulationTrainLikeOneRank) {
  expect_two_ranks_train_like_one("trainer.accumulate=2 trainer.max_steps=2");
}

// With gradcache the losses gather the features of every micro-batch of every rank; a bank of one
// step's 32 keys holds the same keys whatever order the ranks gathered them in.
TEST(DataParallel, TwoGlooRanksWithGradCacheTrainLikeOneRank) {
  expect_two_ranks_train_like_one(
      "trainer.accumulate=2 trainer.accumulate_mode=gradcache trainer.max_steps=2 losses.target.bank_size=32");
}

// The torchrun of PyTorch 2.x serves the rendezvous store itself (TORCHELASTIC_USE_AGENT_STORE); libtorch 1.13
// cannot join that store and says so, and trains when torchrun leaves the store to rank 0.
TEST(DataParallel, TheRealTorchrunStartsTwoGlooRanksThatTrainLikeOne) {
  MMKD_REQUIRE_PYTHON();
  const std::string torchrun = (std::filesystem::path(python()).parent_path() / "torchrun").string();
  const std::string launch = "' --standalone --nproc-per-node 2 --no-python '" + mmkd_executable() + "' run exp.yaml";
  std::string store_setting;
#if !MMKD_TORCH_AT_LEAST(2, 0)
  TempDir refused;
  write_file(refused.file("exp.yaml"), data_parallel_experiment());
  auto r = run_command("cd '" + refused.path() + "' && '" + torchrun + launch + " --run-dir two");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cannot join: run `TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 torchrun --standalone"),
            std::string::npos) << r.output;
  store_setting = "TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 ";
#endif
  expect_two_ranks_train_like_one("", [&](const TempDir& dir) {
    return run_command("cd '" + dir.path() + "' && " + store_setting + "'" + torchrun + launch + " --run-dir two");
  });
}

// An sbatch script's shell is not an srun step: one process trains, and says how to start the tasks.
TEST(DataParallel, SlurmTasksWithoutSrunTrainOnOneProcess) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), data_parallel_experiment());
  auto batch = run_command("cd '" + dir.path() + "' && SLURM_NTASKS=4 SLURM_PROCID=0 SLURM_JOB_NODELIST=gpu[01-04] '" +
                           mmkd_executable() + "' run exp.yaml --run-dir one trainer.max_steps=1");
  EXPECT_EQ(batch.exit_code, 0) << batch.output;
  EXPECT_NE(batch.output.find("SLURM_NTASKS=4 but srun did not start this process: training on one process"),
            std::string::npos) << batch.output;
  auto nproc = run_command("cd '" + dir.path() + "' && SLURM_NTASKS=2 SLURM_STEP_NUM_TASKS=2 SLURM_PROCID=1 '" +
                           mmkd_executable() + "' run exp.yaml --run-dir two --nproc 2");
  EXPECT_EQ(nproc.exit_code, 2) << nproc.output;
  EXPECT_NE(nproc.output.find("--nproc 2: this process is already rank 1 of 2, started by srun; drop --nproc"),
            std::string::npos) << nproc.output;
}

TEST(DataParallel, ARankThatDiesStopsTheOtherWithinTheTimeout) {
  TempDir dir;
  const std::string slow = "  slow: {type: test_sleep, weight: 0.0, milliseconds: 200, inputs: {x: image.embedding}}\n";
  std::string yaml = "plugins: [" + test_plugin_dir() + "/mmkd_test_sleep_loss.so]\n" + data_parallel_experiment(slow);
  yaml.replace(yaml.find("max_steps: 3"), 12, "max_steps: 200");
  write_file(dir.file("exp.yaml"), yaml);
  const int port = free_port();
  const auto start = std::chrono::steady_clock::now();
  const std::string mmkd = "'" + mmkd_executable() + "' run exp.yaml --run-dir run";
  auto r = run_command("cd '" + dir.path() + "' && (" + rank_env(0, port) + mmkd + " > rank0.log 2>&1 & r0=$!; " +
                       rank_env(1, port) + mmkd + " > rank1.log 2>&1 & r1=$!; " +
                       "for i in $(seq 1 600); do grep -q 'step 2/' rank0.log 2>/dev/null && break; sleep 0.05; done; "
                       "kill -9 $r1; wait $r0; echo exit=$?)");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string log = read_file(dir.file("rank0.log"));
  ASSERT_NE(r.output.find("exit="), std::string::npos) << r.output;
  EXPECT_NE(std::stoi(r.output.substr(r.output.find("exit=") + 5)), 0) << log;
  EXPECT_LT(seconds, 40.0) << log;
  // all_reduce or all_gather, whichever rank 0 was in when rank 1 died
  EXPECT_NE(log.find(" across 2 ranks failed (another rank stopped, or cannot be reached)"), std::string::npos) << log;
  EXPECT_NE(log.find("rank 0: all_"), std::string::npos) << log;
}

TEST(DataParallel, InterruptedRanksResumeFromRankZerosCheckpoint) {
  TempDir dir;
  const std::string slow = "  slow: {type: test_sleep, weight: 0.0, milliseconds: 100, inputs: {x: image.embedding}}\n";
  std::string yaml = "plugins: [" + test_plugin_dir() + "/mmkd_test_sleep_loss.so]\n" + data_parallel_experiment(slow);
  yaml.replace(yaml.find("max_steps: 3"), 12, "max_steps: 12");
  yaml.replace(yaml.find("log_every: 1"), 12, "log_every: 1, checkpoint_every: 2");
  write_file(dir.file("exp.yaml"), yaml);
  auto full = mmkd_in(dir.path(), "run exp.yaml --run-dir full --nproc 2");
  ASSERT_EQ(full.exit_code, 0) << full.output;

  const std::string mmkd = "'" + mmkd_executable() + "' run exp.yaml --run-dir stopped --nproc 2";
  auto stopped = run_command("cd '" + dir.path() + "' && (" + mmkd + " > stopped.log 2>&1 & pid=$!; " +
                             "for i in $(seq 1 600); do [ -e stopped/checkpoints/step_00000004.pt ] && break; sleep 0.02; done; "
                             "kill -INT $pid; wait $pid; echo exit=$?)");
  EXPECT_NE(stopped.output.find("exit=130"), std::string::npos) << stopped.output << read_file(dir.file("stopped.log"));
  auto resumed = mmkd_in(dir.path(), "run exp.yaml --run-dir stopped --resume --nproc 2");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;
  auto expected = mmkd::read_safetensors(dir.file("full/final.safetensors"));
  auto actual = mmkd::read_safetensors(dir.file("stopped/final.safetensors"));
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [name, tensor] : expected) EXPECT_TRUE(torch::equal(actual.at(name), tensor)) << name;
}

TEST(DataParallel, ARankThatNeverJoinsIsReportedAfterTheTimeout) {
  TempDir dir;
  std::string yaml = data_parallel_experiment();
  yaml.replace(yaml.find("distributed_timeout: 10"), 23, "distributed_timeout: 2");
  write_file(dir.file("exp.yaml"), yaml);
  auto r = run_command("cd '" + dir.path() + "' && " + rank_env(0, free_port()) + "'" + mmkd_executable() +
                       "' run exp.yaml --run-dir run");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rank 0 of 2 at 127.0.0.1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not every rank joined within 2 s"), std::string::npos) << r.output;
}

TEST(DataParallel, APortInUseIsReportedAsSuch) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), data_parallel_experiment());
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  listen(fd, 1);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  auto r = run_command("cd '" + dir.path() + "' && " + rank_env(0, port) + "'" + mmkd_executable() +
                       "' run exp.yaml --run-dir run");
  close(fd);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("port " + std::to_string(port) + " is already in use"), std::string::npos) << r.output;
}

}  // namespace

#include "distributed/process_group.hpp"

#include "distributed/slurm_nodelist.hpp"

#include <mmkd/error.hpp>
#include <mmkd/version.hpp>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <fmt/format.h>

#include <cstdlib>

namespace mmkd {
namespace {

#if MMKD_TORCH_AT_LEAST(2, 0)
using GroupPtr = c10::intrusive_ptr<c10d::Backend>;
#else
using GroupPtr = c10::intrusive_ptr<c10d::ProcessGroup>;
#endif

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? std::optional<std::string>(value) : std::nullopt;
}

int env_int(const char* name, int fallback) {
  const auto text = env(name);
  if (!text) return fallback;
  try {
    size_t used = 0;
    const int value = std::stoi(*text, &used);
    if (used == text->size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("environment variable {}={} is not a non-negative integer", name, *text));
}

std::string cause_of(const std::exception& e) {
  if (const auto* error = dynamic_cast<const c10::Error*>(&e)) return error->what_without_backtrace();
  return e.what();
}

bool timed_out(const std::string& cause) {
  return cause.find("imed out") != std::string::npos || cause.find("imeout") != std::string::npos;
}

bool is_loopback(const std::string& address) { return address == "127.0.0.1" || address == "localhost"; }

GroupPtr make_gloo_group(const c10::intrusive_ptr<c10d::Store>& store, const DistributedEnv& env,
                         std::chrono::milliseconds timeout) {
  auto gloo = c10d::ProcessGroupGloo::Options::create();
  gloo->timeout = timeout;
  gloo->devices.push_back(is_loopback(env.master_addr) ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                                       : c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, gloo);
}

}  // namespace

std::optional<DistributedEnv> distributed_env_from_environment() {
  const bool torchrun = env("WORLD_SIZE").has_value();
  const bool slurm = !torchrun && env("SLURM_STEP_NUM_TASKS").has_value();
  if (!torchrun && !slurm) return std::nullopt;
  DistributedEnv result;
  result.launcher = torchrun ? "torchrun" : "srun";
  result.world_size = env_int(torchrun ? "WORLD_SIZE" : "SLURM_STEP_NUM_TASKS", 1);
  if (result.world_size <= 1) return std::nullopt;
  result.rank = env_int(torchrun ? "RANK" : "SLURM_PROCID", 0);
  result.local_rank = env_int(torchrun ? "LOCAL_RANK" : "SLURM_LOCALID", 0);
  result.master_addr = env("MASTER_ADDR").value_or("127.0.0.1");
  if (slurm && !env("MASTER_ADDR")) {
    const auto step_nodes = env("SLURM_STEP_NODELIST");
    if (const auto nodes = step_nodes ? step_nodes : env("SLURM_JOB_NODELIST")) result.master_addr = first_slurm_host(*nodes);
  }
  result.master_port = env_int("MASTER_PORT", 29500);
  result.agent_store = torchrun && env("TORCHELASTIC_USE_AGENT_STORE") == std::optional<std::string>("True");
  if (result.rank >= result.world_size)
    throw Error(fmt::format("rank {} is not below the world size {}", result.rank, result.world_size));
  return result;
}

std::optional<int> slurm_tasks_without_srun() {
  if (env("WORLD_SIZE") || env("SLURM_STEP_NUM_TASKS")) return std::nullopt;
  const int tasks = env_int("SLURM_NTASKS", 1);
  return tasks > 1 ? std::optional<int>(tasks) : std::nullopt;
}

struct ProcessGroupCollectives::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  GroupPtr group;
  GroupPtr cpu_group;  // with NCCL: Gloo for CPU tensors (stop flags, logged means), no device sync

  const GroupPtr& for_tensor(const torch::Tensor& tensor) const { return cpu_group && tensor.is_cpu() ? cpu_group : group; }
};

ProcessGroupCollectives::ProcessGroupCollectives(const DistributedEnv& env, torch::Device device,
                                                 std::chrono::milliseconds timeout)
    : env_(env), impl_(std::make_unique<Impl>()) {
  const std::string where = fmt::format("rank {} of {} at {}:{}", env.rank, env.world_size, env.master_addr, env.master_port);
#if !MMKD_TORCH_AT_LEAST(2, 0)
  if (env.agent_store)
    throw Error(fmt::format("{}: torchrun's agent serves the store (TORCHELASTIC_USE_AGENT_STORE=True), which this "
                            "mmkd's libtorch {} cannot join: run `TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 torchrun "
                            "--standalone ...`, or `mmkd run --nproc N`",
                            where, MMKD_TORCH_VERSION_STRING));
#endif
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(env.master_port);
  options.isServer = env.rank == 0 && !env.agent_store;
  options.numWorkers = static_cast<size_t>(env.world_size);
  options.waitWorkers = true;
  options.timeout = timeout;
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    const std::string cause = cause_of(e);
    if (cause.find("ddress already in use") != std::string::npos)
      throw Error(fmt::format("{}: port {} is already in use (set MASTER_PORT to a free port)", where, env.master_port));
    if (timed_out(cause))
      throw Error(fmt::format("{}: not every rank joined within {} s: {}", where, timeout.count() / 1000, cause));
    throw Error(fmt::format("{}: rendezvous failed: {}", where, cause));
  }
  try {
    if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
      auto nccl = c10d::ProcessGroupNCCL::Options::create();
      nccl->timeout = timeout;
      impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, env.rank, env.world_size, nccl);
      impl_->cpu_group = make_gloo_group(c10::make_intrusive<c10d::PrefixStore>("cpu", impl_->store), env, timeout);
#else
      throw Error("this libtorch has no NCCL process group; run the ranks on CPU (trainer.device: cpu)");
#endif
    } else {
      impl_->group = make_gloo_group(impl_->store, env, timeout);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    const std::string cause = cause_of(e);
    if (timed_out(cause))
      throw Error(fmt::format("{}: not every rank joined within {} s: {}", where, timeout.count() / 1000, cause));
    throw Error(fmt::format("{}: creating the process group failed: {}", where, cause));
  }
}

ProcessGroupCollectives::~ProcessGroupCollectives() = default;

namespace {

template <class F>
void collective(const DistributedEnv& env, const char* name, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {}: {} across {} ranks failed (another rank stopped, or cannot be reached): {}", env.rank,
                            name, env.world_size, cause_of(e)));
  }
}

}  // namespace

std::vector<torch::Tensor> ProcessGroupCollectives::all_gather(const torch::Tensor& tensor) {
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int r = 0; r < env_.world_size; ++r) outputs[0].push_back(torch::empty_like(tensor));
  std::vector<torch::Tensor> inputs{tensor.contiguous()};
  collective(env_, "all_gather", [&] { impl_->for_tensor(tensor)->allgather(outputs, inputs)->wait(); });
  return outputs[0];
}

void ProcessGroupCollectives::all_reduce_sum(torch::Tensor& tensor) { start_all_reduce_sum(tensor)(); }

std::function<void()> ProcessGroupCollectives::start_all_reduce_sum(torch::Tensor& tensor) {
  std::vector<torch::Tensor> tensors{tensor};
  decltype(impl_->group->allreduce(tensors)) work;
  collective(env_, "all_reduce", [&] { work = impl_->for_tensor(tensor)->allreduce(tensors); });
  return [this, work] { collective(env_, "all_reduce", [&] { work->wait(); }); };
}

void ProcessGroupCollectives::broadcast(torch::Tensor& tensor, int root) {
  std::vector<torch::Tensor> tensors{tensor};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  collective(env_, "broadcast", [&] { impl_->for_tensor(tensor)->broadcast(tensors, options)->wait(); });
}

std::string ProcessGroupCollectives::share_from_rank0(const std::string& key, const std::string& value) {
  std::string result;
  collective(env_, "sharing a value", [&] {
    if (env_.rank == 0) impl_->store->set("mmkd/" + key, std::vector<uint8_t>(value.begin(), value.end()));
    const std::vector<uint8_t> bytes = impl_->store->get("mmkd/" + key);
    result.assign(bytes.begin(), bytes.end());
  });
  return result;
}

}  // namespace mmkd

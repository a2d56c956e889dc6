#include "distributed/launcher.hpp"

#include <mmkd/error.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <thread>

extern char** environ;

namespace mmkd {
namespace {

using Variables = std::map<std::string, std::string>;

constexpr auto poll_interval = std::chrono::milliseconds(10);
constexpr int forwarded_signals[] = {SIGINT, SIGTERM};

std::atomic<unsigned> pending_signals{0};  // bit s: signal s arrived and is not forwarded yet

void on_launcher_signal(int signal_number) { pending_signals.fetch_or(1u << signal_number); }

std::string system_error(const std::string& what, int error_number) { return what + ": " + std::strerror(error_number); }

// While it lives, SIGINT/SIGTERM are recorded for forwarding; the previous handlers come back after.
class SignalForwarding {
 public:
  SignalForwarding() {
    pending_signals.store(0);
    struct sigaction action {};
    action.sa_handler = on_launcher_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (std::size_t i = 0; i < std::size(forwarded_signals); ++i) sigaction(forwarded_signals[i], &action, &previous_[i]);
  }
  ~SignalForwarding() {
    for (std::size_t i = 0; i < std::size(forwarded_signals); ++i) sigaction(forwarded_signals[i], &previous_[i], nullptr);
  }
  SignalForwarding(const SignalForwarding&) = delete;
  SignalForwarding& operator=(const SignalForwarding&) = delete;

  std::vector<int> take_received() const {
    const unsigned received = pending_signals.exchange(0);
    std::vector<int> signals;
    for (int signal_number : forwarded_signals)
      if ((received & (1u << signal_number)) != 0) signals.push_back(signal_number);
    return signals;
  }

 private:
  struct sigaction previous_[std::size(forwarded_signals)];
};

// The port the kernel picks for a socket bound to 127.0.0.1:0; free when asked.
int free_tcp_port() {
  const int socket_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) throw Error(system_error("cannot open a socket to find a free port", errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool found = bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error_number = errno;
  close(socket_fd);
  if (!found) throw Error(system_error("cannot find a free TCP port on 127.0.0.1", error_number));
  return ntohs(address.sin_port);
}

std::optional<std::string> environment_value(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Variables rank_variables(int rank, int nproc, const std::string& master_addr, const std::string& master_port) {
  const std::string rank_text = std::to_string(rank), nproc_text = std::to_string(nproc);
  return {{"RANK", rank_text},          {"LOCAL_RANK", rank_text},      {"WORLD_SIZE", nproc_text},
          {"LOCAL_WORLD_SIZE", nproc_text}, {"MASTER_ADDR", master_addr}, {"MASTER_PORT", master_port}};
}

// The parent's environment with `variables` replacing entries of the same name.
std::vector<std::string> environment_with(const Variables& variables) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (variables.count(text.substr(0, text.find('='))) == 0) entries.push_back(text);
  }
  for (const auto& [name, value] : variables) entries.push_back(name + "=" + value);
  return entries;
}

std::vector<char*> null_terminated(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

std::string executable_path() {
  std::error_code error;
  const std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "/proc/self/exe" : path.string();
}

// Runs this executable with default SIGINT/SIGTERM, an empty signal mask and its own process
// group, so a terminal's Ctrl-C reaches the ranks once, through the launcher.
pid_t spawn_self(std::vector<std::string> argv, std::vector<std::string> environment) {
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t stop_signals, no_signals;
  sigemptyset(&stop_signals);
  for (int signal_number : forwarded_signals) sigaddset(&stop_signals, signal_number);
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&attributes, &stop_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  pid_t pid = 0;
  const int error_number = posix_spawn(&pid, "/proc/self/exe", nullptr, &attributes, null_terminated(argv).data(),
                                       null_terminated(environment).data());
  posix_spawnattr_destroy(&attributes);
  if (error_number != 0) throw Error(system_error("cannot start " + argv[0], error_number));
  return pid;
}

int exit_code(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

std::string failure_cause(int status) {
  if (!WIFSIGNALED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  const int signal_number = WTERMSIG(status);
  return "was killed by signal " + std::to_string(signal_number) + " (" + strsignal(signal_number) + ")";
}

// The started ranks (process id, 0 once reaped) and the result their exits add up to.
class LocalRanks {
 public:
  explicit LocalRanks(std::chrono::seconds grace) : grace_(grace) {}
  ~LocalRanks();
  LocalRanks(const LocalRanks&) = delete;
  LocalRanks& operator=(const LocalRanks&) = delete;

  void start(const std::vector<std::string>& argv, const Variables& variables) {
    pids_.push_back(spawn_self(argv, environment_with(variables)));
  }
  int wait(const SignalForwarding& forwarding);

 private:
  bool running() const;
  void signal_running(int signal_number) const;
  void reap_exited();
  void on_exit(int rank, int status);

  std::chrono::seconds grace_;
  std::vector<pid_t> pids_;
  int result_ = 0;
  bool stop_forwarded_ = false;
  std::optional<std::chrono::steady_clock::time_point> kill_deadline_;
};

// Ranks still running here are left over from an exception.
LocalRanks::~LocalRanks() {
  signal_running(SIGKILL);
  for (pid_t pid : pids_)
    while (pid != 0 && waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

int LocalRanks::wait(const SignalForwarding& forwarding) {
  while (running()) {
    for (int signal_number : forwarding.take_received()) {
      signal_running(signal_number);
      stop_forwarded_ = true;
    }
    reap_exited();
    if (kill_deadline_ && std::chrono::steady_clock::now() >= *kill_deadline_) {
      signal_running(SIGKILL);
      kill_deadline_.reset();
    }
    if (running()) std::this_thread::sleep_for(poll_interval);
  }
  return result_;
}

bool LocalRanks::running() const {
  for (pid_t pid : pids_)
    if (pid != 0) return true;
  return false;
}

void LocalRanks::signal_running(int signal_number) const {
  for (pid_t pid : pids_)
    if (pid != 0) kill(pid, signal_number);
}

void LocalRanks::reap_exited() {
  for (std::size_t rank = 0; rank < pids_.size(); ++rank) {
    if (pids_[rank] == 0) continue;
    int status = 0;
    const pid_t reaped = waitpid(pids_[rank], &status, WNOHANG);
    if (reaped == 0 || (reaped < 0 && errno == EINTR)) continue;
    const int error_number = errno;
    pids_[rank] = 0;
    if (reaped < 0) throw Error(system_error("cannot wait for rank " + std::to_string(rank), error_number));
    on_exit(static_cast<int>(rank), status);
  }
}

// The first failure is the result; it is reported and stops the other ranks unless they were
// already told to stop by a forwarded signal.
void LocalRanks::on_exit(int rank, int status) {
  const int code = exit_code(status);
  if (code == 0 || result_ != 0) return;
  result_ = code;
  if (stop_forwarded_) return;
  std::cerr << "mmkd: rank " << rank << " " << failure_cause(status) << std::endl;
  signal_running(SIGTERM);
  kill_deadline_ = std::chrono::steady_clock::now() + grace_;
}

}  // namespace

int launch_local_ranks(int nproc, const std::vector<std::string>& child_arguments, std::chrono::seconds grace) {
  if (nproc < 1) throw Error("the number of local ranks must be at least 1, got " + std::to_string(nproc));
  const std::string master_addr = environment_value("MASTER_ADDR").value_or("127.0.0.1");
  const std::optional<std::string> configured_port = environment_value("MASTER_PORT");
  const std::string master_port = configured_port ? *configured_port : std::to_string(free_tcp_port());
  std::vector<std::string> argv{executable_path()};
  argv.insert(argv.end(), child_arguments.begin(), child_arguments.end());
  SignalForwarding forwarding;
  LocalRanks ranks(grace);
  for (int rank = 0; rank < nproc; ++rank) ranks.start(argv, rank_variables(rank, nproc, master_addr, master_port));
  return ranks.wait(forwarding);
}

}  // namespace mmkd

#include "train/stop_signal.hpp"

#include <atomic>
#include <csignal>

namespace mmkd {

static std::atomic<int> received_signal{0};

static void on_stop_signal(int signal_number) {
  received_signal.store(signal_number);
  std::signal(signal_number, SIG_DFL);
}

void install_stop_signal_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGUSR1, on_stop_signal);  // Slurm's warning before the time limit (--signal=USR1@N)
}

int stop_signal_received() { return received_signal.load(); }

void clear_stop_signal() { received_signal.store(0); }

}  // namespace mmkd

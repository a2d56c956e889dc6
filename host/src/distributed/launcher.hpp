#pragma once
// Running one process per local rank of single-node data-parallel training.
#include <chrono>
#include <string>
#include <vector>

namespace mmkd {

// Starts `nproc` copies of the current executable with `child_arguments` (argv without the
// program name) and the parent's environment plus RANK, LOCAL_RANK, WORLD_SIZE,
// LOCAL_WORLD_SIZE, MASTER_ADDR (127.0.0.1 unless set) and MASTER_PORT (a free port unless
// set). The first rank to fail is reported on stderr, the others get SIGTERM and, after
// `grace`, SIGKILL. SIGINT/SIGTERM sent to the launcher while it waits are forwarded to every
// rank. Returns 0 when all ranks succeed, else the first non-zero exit code (128 + signal for
// a rank killed by a signal). Throws mmkd::Error when a rank cannot be started.
int launch_local_ranks(int nproc, const std::vector<std::string>& child_arguments, std::chrono::seconds grace);

}  // namespace mmkd

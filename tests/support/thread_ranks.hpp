#pragma once
// A data-parallel run simulated in one process: one thread per rank, collectives through
// shared memory. Lets loss tests check gathered features and their gradients.
#include <mmkd/context.hpp>

#include <functional>

namespace mmkd::testing {

// Calls body(context) on `world_size` threads at once, context.rank = 0..world_size-1 with
// collectives connecting them; rethrows the first exception a rank threw.
void run_ranks(int world_size, const std::function<void(const Context&)>& body);

}  // namespace mmkd::testing

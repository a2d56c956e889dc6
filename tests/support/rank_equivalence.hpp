#pragma once
// Test helper: a loss computed in data-parallel ranks (threads, each on its slice of the batch)
// against the same loss computed in one process on the whole batch.
#include <mmkd/tensor_map.hpp>

#include <string>
#include <vector>

namespace mmkd::testing {

// Runs loss `type` with `yaml_options` in double, training mode, on every batch of `steps`
// ([N, ...] inputs by port): once in one process, once in `world_size` ranks where rank r gets
// rows [r N / W, (r + 1) N / W); every instance starts from the same parameters and buffers.
// Expects after each step: the ranks' mean loss equals the single loss; the ranks' gradients of
// `grad_ports`, concatenated, equal W times the single ones; every parameter's gradients summed
// over ranks equal W times the single one (no gradient counts as zero); every rank's buffers
// equal the single process' buffers.
void expect_ranks_match_one_process(const std::string& type, const std::string& yaml_options,
                                    const std::vector<TensorMap>& steps, const std::vector<std::string>& grad_ports,
                                    int world_size);

}  // namespace mmkd::testing

#pragma once
// Test-only: a CODIS loss run in data-parallel ranks (threads, each on its slice of the batch)
// against the same loss run in one process on the whole batch.
#include <mmkd/tensor_map.hpp>

#include <string>
#include <vector>

// Runs loss `type` with `yaml_options` in double, training mode, on every batch of `steps`
// ([N, D] inputs by port): once in one process, once in `world_size` ranks where rank r gets
// rows [r N / W, (r + 1) N / W); every rank starts from the single instance's parameters.
// Expects after each step: the ranks' mean loss equals the single loss; the ranks' gradients
// of `grad_ports`, concatenated, equal W times the single ones; every parameter's gradients
// summed over ranks equal W times the single one; every rank's buffers equal the single ones.
void expect_ranks_match_one_process(const std::string& type, const std::string& yaml_options,
                                    const std::vector<mmkd::TensorMap>& steps,
                                    const std::vector<std::string>& grad_ports, int world_size);

#pragma once
// Test helper: a loss computed in data-parallel ranks (threads, each on its slice of the batch)
// against the same loss computed in one process on the whole batch.
#include <mmkd/tensor_map.hpp>

#include <string>
#include <vector>

// Runs the loss `type` with `yaml_options` in double on every batch of `steps` ([N, D] inputs
// by port), once in one process and once in `world_size` ranks where rank r gets rows
// [r N / W, (r + 1) N / W). Expects after each step: the ranks' mean loss equals the single
// loss; the ranks' gradients of `grad_ports`, concatenated, equal W times the single ones; the
// ranks' logit_scale gradients sum to W times the single one; every rank's buffers equal the
// single process' buffers.
void expect_ranks_match_one_process(const std::string& type, const std::string& yaml_options,
                                    const std::vector<mmkd::TensorMap>& steps,
                                    const std::vector<std::string>& grad_ports, int world_size);

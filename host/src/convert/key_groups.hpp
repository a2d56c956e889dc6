#pragma once
// Long lists of state dict keys said in a line: grouped by their first name, layer numbers as `*`.
#include <string>
#include <utility>
#include <vector>

namespace mmkd {

// "cls_pt_layers.* (30 keys), lm_head.* (2 keys), mask_token, blocks.*.attn.relative_position_index (12 keys)":
// one entry per first name, in order of appearance; a group whose keys differ only in their
// numbers is shown with `*` for them.
std::string grouped_key_names(const std::vector<std::string>& keys);

// "LayerNorm.gamma -> LayerNorm.weight (13 keys), ...": what changed in each key (from the first
// name that differs), grouped the same way.
std::string grouped_renames(const std::vector<std::pair<std::string, std::string>>& renames);

}  // namespace mmkd

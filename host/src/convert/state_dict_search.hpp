#pragma once
// Where a checkpoint keeps its model weights: the top level (a plain state dict) or an entry
// such as `model` or `state_dict` of a training checkpoint.
#include "io/pickle_value.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mmkd {

struct StateDict {
  std::string location;                                        // "the top level" or "'model'"
  std::vector<std::pair<std::string, torch::Tensor>> tensors;  // in file order
  std::vector<std::string> non_tensors;                        // keys of its other entries, left out
  std::vector<std::string> other_entries;                      // top-level keys beside it
  size_t stripped_module_prefix = 0;                           // keys that lost DataParallel's `module.`
};

// The entry `key` of `root` when given; else the top level when all its values are tensors, else
// the first dict of tensors under model, state_dict, module or model_state, else the top level
// when it holds any tensor. A `module.` prefix on every key is removed. Throws mmkd::Error
// naming `file` and the top-level keys when there is none.
StateDict find_state_dict(const pickle::Value& root, const std::string& key, const std::string& file);

}  // namespace mmkd

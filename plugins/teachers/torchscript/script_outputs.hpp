#pragma once
// The result of a TorchScript forward under the names of the `outputs` option.
#include <mmkd/tensor_map.hpp>

#include <ATen/core/ivalue.h>

#include <string>
#include <vector>

namespace mmkd::torchscript {

// A Tensor (one name), a tuple or list of tensors (names by position) or a Dict[str, Tensor]
// (names are keys). Throws mmkd::Error saying what the module returned and what was named.
TensorMap named_outputs(const c10::IValue& result, const std::vector<std::string>& names);

}  // namespace mmkd::torchscript

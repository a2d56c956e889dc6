#pragma once
// The named tensors that flow through a step: "batch.image", "image.cls", ...
#include <torch/types.h>

#include <map>
#include <string>

namespace mmkd {

using TensorMap = std::map<std::string, torch::Tensor>;

// The tensor under `name`; throws mmkd::Error naming the missing key and those present.
const torch::Tensor& require(const TensorMap& tensors, const std::string& name);

// The tensor under `name`, undefined when there is none: an optional input left unconnected.
torch::Tensor optional(const TensorMap& tensors, const std::string& name);

}  // namespace mmkd

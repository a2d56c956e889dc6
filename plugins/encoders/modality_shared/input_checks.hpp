#pragma once
// Shape checks of the shared encoders' inputs; errors name the component, the port and both shapes.
#include <mmkd/tensor_map.hpp>

#include <string>

namespace mmkd::shared {

// Input `port` as [B, dim] (rank 2) or [B, T, dim] (rank 3); otherwise throws mmkd::Error.
const torch::Tensor& require_features(const TensorMap& inputs, const std::string& type, const std::string& port,
                                      int64_t rank, int64_t dim);

}  // namespace mmkd::shared

#include "input_checks.hpp"

#include <mmkd/error.hpp>

#include <c10/util/StringUtil.h>

namespace mmkd::shared {

const torch::Tensor& require_features(const TensorMap& inputs, const std::string& type, const std::string& port,
                                      int64_t rank, int64_t dim) {
  const torch::Tensor& x = require(inputs, port);
  if (x.dim() == rank && x.size(-1) == dim) return x;
  throw Error(c10::str(type, ": input `", port, "` must be ", rank == 2 ? "[B, " : "[B, T, ", dim, "], got ",
                       x.sizes()));
}

}  // namespace mmkd::shared

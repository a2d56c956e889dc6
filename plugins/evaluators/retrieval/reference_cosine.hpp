#pragma once
// Tests: cosine similarity written out element by element, the plain reference the
// evaluators' matrix code is checked against.
#include <torch/types.h>

#include <cmath>

namespace mmkd::retrieval::testing {

inline double reference_cosine(const torch::Tensor& a, const torch::Tensor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t d = 0; d < a.size(0); ++d) {
    const double x = a[d].item<double>(), y = b[d].item<double>();
    ab += x * y, aa += x * x, bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

}  // namespace mmkd::retrieval::testing

#include "gradient_check.hpp"

#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/types.h>

namespace mmkd::testing {

std::vector<torch::Tensor> expect_gradients_match_finite_differences(const std::function<torch::Tensor()>& f,
                                                                     const NamedLeaves& leaves, double rtol,
                                                                     double atol) {
  std::vector<torch::Tensor> tensors;
  for (const auto& [name, leaf] : leaves) tensors.push_back(leaf);
  const std::vector<torch::Tensor> analytic = torch::autograd::grad({f()}, tensors);
  for (size_t i = 0; i < leaves.size(); ++i) {
    const std::string& name = leaves[i].first;
    EXPECT_GT(analytic[i].abs().max().item<double>(), 1000 * atol) << name;
    EXPECT_TRUE(torch::allclose(analytic[i], numeric_gradient(f, tensors[i]), rtol, atol)) << name;
  }
  return analytic;
}

}  // namespace mmkd::testing

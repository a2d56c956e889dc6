#include "module_state.hpp"

#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd::testing {

void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto target = to.named_parameters();
  for (const auto& p : from.named_parameters()) target[p.key()].copy_(p.value());
}

void copy_state(const torch::nn::Module& from, torch::nn::Module& to) {
  copy_parameters(from, to);
  torch::NoGradGuard no_grad;
  auto target = to.named_buffers();
  for (const auto& b : from.named_buffers()) target[b.key()].copy_(b.value());
}

void randomize_parameters(torch::nn::Module& module, double scale) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) p.copy_(torch::randn(p.sizes(), p.options()) * scale);
}

std::map<std::string, torch::Tensor> buffer_values(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> values;
  for (const auto& b : module.named_buffers()) values[b.key()] = b.value().clone();
  return values;
}

void expect_buffers_equal(const torch::nn::Module& module, const std::map<std::string, torch::Tensor>& expected) {
  const std::map<std::string, torch::Tensor> values = buffer_values(module);
  EXPECT_EQ(values.size(), expected.size());
  for (const auto& [name, value] : values) {
    const auto found = expected.find(name);
    if (found == expected.end())
      ADD_FAILURE() << "unexpected buffer " << name;
    else
      EXPECT_TRUE(torch::equal(value, found->second)) << name;
  }
}

}  // namespace mmkd::testing

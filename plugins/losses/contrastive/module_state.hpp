#pragma once
// Test helpers: copy a loss' parameters and buffers into another instance (what a checkpoint
// restore does), and expect an mmkd::Error whose message names given parts.
#include <gtest/gtest.h>
#include <mmkd/error.hpp>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

inline void copy_state(torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto target_parameters = to.named_parameters(), target_buffers = to.named_buffers();
  for (const auto& p : from.named_parameters()) target_parameters[p.key()].copy_(p.value());
  for (const auto& b : from.named_buffers()) target_buffers[b.key()].copy_(b.value());
}

inline void expect_error_naming(const std::function<void()>& call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "no mmkd::Error";
  } catch (const mmkd::Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  }
}

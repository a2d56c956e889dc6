#pragma once
// Shape checks shared by the contrastive losses; errors name the loss, the ports and the shapes.
#include <torch/types.h>

#include <string>
#include <vector>

namespace mmkd::contrastive {

struct PortFeatures {
  std::string port;
  torch::Tensor features;
};

// Every tensor is [B, D] with one B and one D; otherwise throws mmkd::Error.
void require_paired_features(const std::string& loss_type, const std::vector<PortFeatures>& ports);

// The feature dim of `port` equals the rows of a memory bank created with option `dim`;
// otherwise throws mmkd::Error.
void require_bank_dim(const std::string& loss_type, const PortFeatures& port, int64_t bank_dim);

}  // namespace mmkd::contrastive

#include "target_cmli_loss.hpp"

#include <torch/types.h>
#include <torch/utils.h>

#include <mmkd/loss_math.hpp>

namespace mmkd::cmli {

torch::Tensor best_patches(const torch::Tensor& tokens, const torch::Tensor& patches) {
  torch::NoGradGuard no_grad;
  return torch::bmm(l2_normalize(tokens), l2_normalize(patches).transpose(1, 2)).argmax(2);
}

torch::Tensor matched_token_mse(const torch::Tensor& prediction, const torch::Tensor& target,
                                const torch::Tensor& matched, const torch::Tensor& words) {
  const torch::Tensor matched_target = target.gather(1, matched.unsqueeze(2).expand({-1, -1, target.size(2)}));
  const torch::Tensor token_mse = (prediction - matched_target).pow(2).mean(2).masked_fill(~words, 0);
  return (token_mse.sum(1) / words.sum(1)).mean();
}

}  // namespace mmkd::cmli

#include <mmkd/loss_math.hpp>

#include <torch/nn/functional.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace mmkd {

namespace F = torch::nn::functional;

torch::Tensor at_least_fp32(const torch::Tensor& x) {
  const auto type = x.scalar_type();
  return type == torch::kHalf || type == torch::kBFloat16 ? x.to(torch::kFloat) : x;
}

torch::Tensor log_softmax_fp32(const torch::Tensor& logits, int64_t dim) {
  return torch::log_softmax(at_least_fp32(logits), dim);
}

torch::Tensor softmax_fp32(const torch::Tensor& logits, int64_t dim) { return torch::softmax(at_least_fp32(logits), dim); }

torch::Tensor cross_entropy_fp32(const torch::Tensor& logits, const torch::Tensor& targets) {
  return F::nll_loss(log_softmax_fp32(logits, 1), targets);
}

torch::Tensor soft_cross_entropy_fp32(const torch::Tensor& logits, const torch::Tensor& targets) {
  return -(at_least_fp32(targets) * log_softmax_fp32(logits, 1)).sum(1).mean();
}

torch::Tensor l2_normalize(const torch::Tensor& x) {
  return F::normalize(at_least_fp32(x), F::NormalizeFuncOptions().dim(-1));
}

torch::Tensor cosine_similarity_matrix(const torch::Tensor& a, const torch::Tensor& b) {
  return l2_normalize(a).matmul(l2_normalize(b).t());
}

torch::Tensor top1_accuracy(const torch::Tensor& logits, const torch::Tensor& targets) {
  torch::NoGradGuard no_grad;
  return (logits.argmax(1) == targets).to(torch::kFloat).mean();
}

torch::Tensor arange_targets(int64_t n, const torch::Tensor& like, int64_t offset) {
  return torch::arange(offset, offset + n, torch::TensorOptions(torch::kLong).device(like.device()));
}

}  // namespace mmkd

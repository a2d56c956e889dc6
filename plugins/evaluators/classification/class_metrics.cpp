#include "class_metrics.hpp"

#include <cmath>

namespace mmkd::classification_eval {

namespace {
constexpr int64_t rows_per_chunk = 1024;  // bounds the [chunk, C] temporaries
}

torch::Tensor rank_of_label(const torch::Tensor& logits, const torch::Tensor& labels) {
  const torch::Tensor class_index = torch::arange(logits.size(1), labels.options()).unsqueeze(0);
  std::vector<torch::Tensor> ranks;
  for (int64_t begin = 0; begin < logits.size(0); begin += rows_per_chunk) {
    const torch::Tensor scores = logits.slice(0, begin, begin + rows_per_chunk);
    const torch::Tensor label = labels.slice(0, begin, begin + rows_per_chunk).unsqueeze(1);
    const torch::Tensor label_score = scores.gather(1, label);
    ranks.push_back(((scores > label_score) | ((scores == label_score) & (class_index < label))).sum(1));
  }
  return torch::cat(ranks);
}

double fraction_below(const torch::Tensor& ranks, int64_t k) {
  return (ranks < k).to(torch::kDouble).mean().item<double>();
}

double binary_f1(const torch::Tensor& predictions, const torch::Tensor& labels) {
  const torch::Tensor predicted = predictions == 1, positive = labels == 1;
  const double true_positives = (predicted & positive).sum().item<double>();
  const double denominator = predicted.sum().item<double>() + positive.sum().item<double>();
  return denominator == 0 ? 0.0 : 2 * true_positives / denominator;
}

double matthews_corrcoef(const torch::Tensor& predictions, const torch::Tensor& labels, int64_t classes) {
  const torch::Tensor p = torch::bincount(predictions, {}, classes).to(torch::kDouble);
  const torch::Tensor t = torch::bincount(labels, {}, classes).to(torch::kDouble);
  const double s = static_cast<double>(labels.numel());
  const double c = (predictions == labels).sum().item<double>();
  const double predicted_spread = s * s - p.dot(p).item<double>();
  const double label_spread = s * s - t.dot(t).item<double>();
  if (predicted_spread == 0 || label_spread == 0) return 0.0;
  return (c * s - p.dot(t).item<double>()) / std::sqrt(predicted_spread * label_spread);
}

}  // namespace mmkd::classification_eval

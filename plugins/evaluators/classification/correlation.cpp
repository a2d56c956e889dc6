#include "correlation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mmkd::classification_eval {

torch::Tensor average_ranks(const torch::Tensor& values) {
  const torch::Tensor v = values.to(torch::kDouble).contiguous();
  const double* value = v.data_ptr<double>();
  std::vector<int64_t> order(v.numel());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return value[a] < value[b]; });
  torch::Tensor ranks = torch::empty({v.numel()}, torch::kDouble);
  double* rank = ranks.data_ptr<double>();
  for (size_t first = 0; first < order.size();) {
    size_t last = first;
    while (last + 1 < order.size() && value[order[last + 1]] == value[order[first]]) ++last;
    for (size_t i = first; i <= last; ++i) rank[order[i]] = (first + last) / 2.0 + 1;
    first = last + 1;
  }
  return ranks;
}

double pearson(const torch::Tensor& x, const torch::Tensor& y) {
  const torch::Tensor dx = x.to(torch::kDouble) - x.to(torch::kDouble).mean();
  const torch::Tensor dy = y.to(torch::kDouble) - y.to(torch::kDouble).mean();
  const double denominator = std::sqrt(dx.dot(dx).item<double>() * dy.dot(dy).item<double>());
  return denominator == 0 ? 0.0 : dx.dot(dy).item<double>() / denominator;
}

double spearman(const torch::Tensor& x, const torch::Tensor& y) { return pearson(average_ranks(x), average_ranks(y)); }

}  // namespace mmkd::classification_eval

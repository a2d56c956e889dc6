#include "recall_at_k.hpp"

#include <mmkd/kit/percent_cell.hpp>

#include <limits>

namespace mmkd::retrieval {

namespace {
constexpr int64_t queries_per_chunk = 1024;  // bounds the [chunk, C] temporaries
}

torch::Tensor rank_of_best_correct(const torch::Tensor& similarity, const torch::Tensor& correct) {
  const int64_t queries = similarity.size(0);
  std::vector<torch::Tensor> wrong_ahead;
  for (int64_t begin = 0; begin < queries; begin += queries_per_chunk) {
    const torch::Tensor scores = similarity.slice(0, begin, begin + queries_per_chunk);
    const torch::Tensor is_correct = correct.slice(0, begin, begin + queries_per_chunk);
    const torch::Tensor best_correct =
        scores.masked_fill(is_correct.logical_not(), -std::numeric_limits<double>::infinity()).amax(1, true);
    wrong_ahead.push_back(((scores >= best_correct) & is_correct.logical_not()).sum(1));
  }
  return torch::cat(wrong_ahead);
}

std::vector<double> recall_at_k(const torch::Tensor& similarity, const torch::Tensor& correct,
                                const std::vector<int64_t>& ks) {
  return recall_of_ranks(rank_of_best_correct(similarity, correct), ks);
}

std::vector<double> recall_of_ranks(const torch::Tensor& ranks, const std::vector<int64_t>& ks) {
  std::vector<double> recalls;
  for (int64_t k : ks) recalls.push_back((ranks < k).to(torch::kDouble).mean().item<double>());
  return recalls;
}

std::map<std::string, double> recall_metrics(const torch::Tensor& i2t_ranks, const torch::Tensor& t2i_ranks,
                                             const std::vector<int64_t>& ks) {
  std::map<std::string, double> metrics;
  const std::vector<double> i2t = recall_of_ranks(i2t_ranks, ks), t2i = recall_of_ranks(t2i_ranks, ks);
  for (size_t i = 0; i < ks.size(); ++i) {
    metrics[c10::str("i2t_r", ks[i])] = i2t[i];
    metrics[c10::str("t2i_r", ks[i])] = t2i[i];
  }
  return metrics;
}

std::vector<Port> recall_metric_ports(const std::vector<int64_t>& ks) {
  std::vector<Port> metrics;
  for (const std::string direction : {"i2t", "t2i"})
    for (int64_t k : ks)
      metrics.push_back({c10::str(direction, "_r", k),
                         c10::str("Recall@", k, direction == "i2t" ? " of captions for each image"
                                                                    : " of images for each caption")});
  return metrics;
}

std::vector<TableCell> recall_table_cells(const std::map<std::string, double>& metrics, const std::vector<int64_t>& ks) {
  std::vector<TableCell> cells;
  for (const auto& [direction, heading] : {std::pair{"i2t", "Image → Text"}, std::pair{"t2i", "Text → Image"}})
    for (int64_t k : ks)
      cells.push_back(percent_cell({heading, c10::str("R@", k)}, metrics.at(c10::str(direction, "_r", k))));
  return cells;
}

}  // namespace mmkd::retrieval

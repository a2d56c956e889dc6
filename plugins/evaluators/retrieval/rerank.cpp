#include "rerank.hpp"

#include "recall_at_k.hpp"

#include <algorithm>

namespace mmkd::retrieval {

namespace {
constexpr int64_t queries_per_sort_chunk = 1024;  // bounds the [chunk, C] sorts
}

torch::Tensor reranked_rank_of_best_correct(const torch::Tensor& similarity, const torch::Tensor& correct, int64_t k,
                                            const PairScores& score) {
  const int64_t queries = similarity.size(0), top = std::min(k, similarity.size(1));
  std::vector<torch::Tensor> ranks;
  for (int64_t begin = 0; begin < queries; begin += queries_per_sort_chunk) {
    const torch::Tensor scores = similarity.slice(0, begin, begin + queries_per_sort_chunk);
    const torch::Tensor is_correct = correct.slice(0, begin, begin + queries_per_sort_chunk);
    // Candidates by similarity, wrong ones first among equals: stable sorts by correctness, then by similarity.
    const c10::optional<bool> stable = true;
    torch::Tensor order = std::get<1>(is_correct.to(torch::kByte).sort(stable, 1));
    order = order.gather(1, std::get<1>(scores.gather(1, order).sort(stable, 1, /*descending=*/true)));
    const torch::Tensor candidates = order.narrow(1, 0, top);
    const torch::Tensor query_rows =
        torch::arange(begin, begin + scores.size(0), torch::kLong).unsqueeze(1).expand_as(candidates);
    const torch::Tensor reranked =
        score(query_rows.reshape({-1}), candidates.reshape({-1})).to(torch::kCPU).reshape(candidates.sizes());
    const torch::Tensor similarity_rank = rank_of_best_correct(scores, is_correct);
    const torch::Tensor reranked_rank = rank_of_best_correct(reranked, is_correct.gather(1, candidates));
    // Without a correct candidate among the first k, those k all stay ahead of it: its similarity rank.
    ranks.push_back(torch::where(similarity_rank < top, reranked_rank, similarity_rank));
  }
  return torch::cat(ranks);
}

}  // namespace mmkd::retrieval

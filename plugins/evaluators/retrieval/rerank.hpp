#pragma once
// Re-ranking of retrieval candidates (ALBEF, VLMo, Park and Han's text-driven soft masks): each
// query's top k candidates by contrastive similarity are put in the order of a second score of the
// pair (ITM), the other candidates keep their similarity order after them.
#include <torch/types.h>

#include <functional>

namespace mmkd::retrieval {

// Scores [P] of the pairs (query row queries[p], candidate row candidates[p]), both [P] long.
using PairScores = std::function<torch::Tensor(const torch::Tensor& queries, const torch::Tensor& candidates)>;

// similarity [Q, C]; correct [Q, C] bool, at least one true per row. The 0-based rank of each
// query's best correct candidate once its first k candidates by similarity (wrong ones first
// among equals, then by index) are ordered by `score`; ties in either count against the query.
torch::Tensor reranked_rank_of_best_correct(const torch::Tensor& similarity, const torch::Tensor& correct, int64_t k,
                                            const PairScores& score);

}  // namespace mmkd::retrieval

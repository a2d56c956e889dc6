#pragma once
// Recall@K of a retrieval (thesis Section 1.6): a query is a hit when one of its correct
// candidates ranks within the top K. Ties count against the query: a wrong candidate that
// scores equal to the best correct one ranks ahead of it.
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <map>
#include <string>

#include <vector>

namespace mmkd::retrieval {

// similarity [Q, C]; correct [Q, C] bool, at least one true per row. The 0-based rank of each
// query's best correct candidate: the number of wrong candidates scoring at least as high.
torch::Tensor rank_of_best_correct(const torch::Tensor& similarity, const torch::Tensor& correct);

// The fraction of queries whose best correct candidate ranks within K, for each K in ks.
std::vector<double> recall_at_k(const torch::Tensor& similarity, const torch::Tensor& correct,
                                const std::vector<int64_t>& ks);
// The same from the 0-based ranks [Q] of the best correct candidates.
std::vector<double> recall_of_ranks(const torch::Tensor& ranks, const std::vector<int64_t>& ks);

// Metrics i2t_r<K> and t2i_r<K> from the ranks of image and of text queries.
std::map<std::string, double> recall_metrics(const torch::Tensor& i2t_ranks, const torch::Tensor& t2i_ranks,
                                             const std::vector<int64_t>& ks);

// The metrics i2t_r<K> and t2i_r<K>, for each K in ks, with their docs.
std::vector<Port> recall_metric_ports(const std::vector<int64_t>& ks);

// Results-table columns in the layout of the thesis' Table 10: {"Image → Text", "R@1"}, ...,
// {"Text → Image", "R@10"}, in percent with 2 decimals, from metrics i2t_r<K> and t2i_r<K>.
std::vector<TableCell> recall_table_cells(const std::map<std::string, double>& metrics, const std::vector<int64_t>& ks);

}  // namespace mmkd::retrieval

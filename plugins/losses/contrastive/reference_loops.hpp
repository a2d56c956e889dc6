#pragma once
// Test reference: contrastive cross entropy written as plain loops over indices, in double.
#include <torch/types.h>

#include <cmath>
#include <vector>

namespace reference {

using Rows = std::vector<std::vector<double>>;

// The rows of a [N, D] tensor, each scaled to unit length.
inline Rows unit_rows(const torch::Tensor& matrix) {
  Rows rows(matrix.size(0), std::vector<double>(matrix.size(1)));
  for (size_t i = 0; i < rows.size(); ++i) {
    double norm = 0;
    for (size_t d = 0; d < rows[i].size(); ++d) norm += std::pow(rows[i][d] = matrix[i][d].item<double>(), 2);
    for (double& x : rows[i]) x /= std::sqrt(norm);
  }
  return rows;
}

inline Rows concat(Rows first, const Rows& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t d = 0; d < a.size(); ++d) sum += a[d] * b[d];
  return sum;
}

// Mean over queries i of -log(exp(s q_i.k_t) / sum_j exp(s q_i.k_j)) with t = offset + i.
inline double info_nce(const Rows& queries, const Rows& keys, double scale, size_t offset = 0) {
  double total = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    double denominator = 0;
    for (const auto& key : keys) denominator += std::exp(scale * dot(queries[i], key));
    total += -std::log(std::exp(scale * dot(queries[i], keys[offset + i])) / denominator);
  }
  return total / queries.size();
}

// Fraction of queries i whose most similar key is key offset + i.
inline double top1(const Rows& queries, const Rows& keys, size_t offset = 0) {
  double hits = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    size_t best = 0;
    for (size_t j = 1; j < keys.size(); ++j)
      if (dot(queries[i], keys[j]) > dot(queries[i], keys[best])) best = j;
    hits += best == offset + i ? 1 : 0;
  }
  return hits / queries.size();
}

// The last `capacity` rows of `rows`: what a FIFO queue of that capacity holds.
inline Rows newest(const Rows& rows, size_t capacity) {
  return rows.size() <= capacity ? rows : Rows(rows.end() - capacity, rows.end());
}

}  // namespace reference

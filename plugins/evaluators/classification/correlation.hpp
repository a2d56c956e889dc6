#pragma once
// Correlations of predicted and true scores (GLUE's STS-B: Pearson and Spearman, thesis Table 28).
#include <torch/types.h>

namespace mmkd::classification_eval {

// 1-based ranks of `values` [N] in ascending order; tied values share the mean of their ranks.
torch::Tensor average_ranks(const torch::Tensor& values);

// Pearson's r of x and y [N]; 0 when either is constant.
double pearson(const torch::Tensor& x, const torch::Tensor& y);

// Spearman's rho: Pearson's r of the average ranks.
double spearman(const torch::Tensor& x, const torch::Tensor& y);

}  // namespace mmkd::classification_eval

#pragma once
// Metrics of a classifier's predictions (GLUE, thesis Table 28; ImageNet-1K, Section 1.7.2.2).
#include <torch/types.h>

namespace mmkd::classification_eval {

// The 0-based rank of each row's label among its logits [N, C] (labels int64 [N]): the classes
// scoring higher, plus those scoring equal with a lower index, so that rank 0 is argmax's pick.
torch::Tensor rank_of_label(const torch::Tensor& logits, const torch::Tensor& labels);

// The fraction of ranks below k (top-k accuracy).
double fraction_below(const torch::Tensor& ranks, int64_t k);

// F1 of class 1 (GLUE's MRPC and QQP): 2 TP / (2 TP + FP + FN); 0 when nothing is or is
// predicted class 1.
double binary_f1(const torch::Tensor& predictions, const torch::Tensor& labels);

// Matthews correlation coefficient over `classes` classes (Gorodkin's R_K, scikit-learn's
// matthews_corrcoef; GLUE's CoLA): (c s - sum_k p_k t_k) / sqrt((s^2 - sum_k p_k^2)(s^2 - sum_k t_k^2))
// with c correct predictions, s samples, p_k predictions and t_k labels of class k; 0 when a
// factor of the denominator is 0.
double matthews_corrcoef(const torch::Tensor& predictions, const torch::Tensor& labels, int64_t classes);

}  // namespace mmkd::classification_eval

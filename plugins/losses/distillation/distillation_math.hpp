#pragma once
// Distillation losses as functions of tensors: KL divergence of soft targets (thesis Eq. 2,
// 8-9, 45), mean squared error (Eq. 1) and the Data2Vec regression target (Eq. 36-40).
// Half and bfloat16 inputs are computed in float32; double stays double.
#include <torch/types.h>

#include <optional>

namespace mmkd::distillation {

// Eq. 2, 8-9: D_KL(softmax(teacher / T) || softmax(student / T)) of every row of [B, C]
// logits, summed over classes, averaged over the batch.
torch::Tensor kl_divergence(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits,
                            double temperature);

// Eq. 1: squared differences averaged over every element (over D per vector, then over
// tokens and samples).
torch::Tensor mean_squared_error(const torch::Tensor& target, const torch::Tensor& prediction);

// Eq. 36-37: every dimension of a [..., T, D] sequence normalised over its T time steps.
torch::Tensor instance_norm_over_time(const torch::Tensor& sequences, double eps);

// Eq. 38-40: layers [L, B, T, D] instance-normalised, averaged over L, then layer-normalised
// without affine parameters (when layer_norm_eps is given): [B, T, D].
torch::Tensor layer_averaged_representation(const torch::Tensor& layers, double instance_norm_eps,
                                            std::optional<double> layer_norm_eps);

}  // namespace mmkd::distillation

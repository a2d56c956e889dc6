#pragma once
// The image-text matching head of the thesis' code (Section 3.2.4.2, TimCares/MasterThesis
// Sx3HRe's timm `Mlp` ITM heads), where the text (Eq. 64-65) projects and adds instead: the two
// [CLS] representations L2-normalised and concatenated, then Linear -> GELU -> LayerNorm -> Linear.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace mmkd::itm {

class ConcatMlpHeadImpl : public torch::nn::Module {
 public:
  ConcatMlpHeadImpl(int64_t dim, int64_t hidden_dim);

  // Logits [P, 2] (0 no match, 1 match) of the P pairs (image row p, text row p), both [P, dim].
  torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& text);

  torch::nn::Linear fc1{nullptr};      // [2 dim] -> [hidden_dim]
  torch::nn::LayerNorm norm{nullptr};  // over hidden_dim, eps 1e-6 (the thesis code's norm_eps)
  torch::nn::Linear fc2{nullptr};      // [hidden_dim] -> 2
};
TORCH_MODULE(ConcatMlpHead);

}  // namespace mmkd::itm

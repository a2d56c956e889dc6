#pragma once
// BEiT's relative position bias: one learned value per head for every (dy, dx) between two
// patches, plus three for CLS-to-patch, patch-to-CLS and CLS-to-CLS.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace mmkd::transformer {

class RelativePositionBiasImpl : public torch::nn::Module {
 public:
  RelativePositionBiasImpl(int64_t grid_height, int64_t grid_width, int64_t heads);

  torch::Tensor forward();  // [1, heads, 1 + N, 1 + N], N = grid_height * grid_width

  torch::Tensor relative_position_bias_table;  // [(2H - 1)(2W - 1) + 3, heads]

 private:
  torch::Tensor index_;  // [1 + N, 1 + N] rows of the table; not saved (derived from the grid)
};
TORCH_MODULE(RelativePositionBias);

}  // namespace mmkd::transformer

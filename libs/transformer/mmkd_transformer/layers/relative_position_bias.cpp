#include <mmkd_transformer/layers/relative_position_bias.hpp>

namespace mmkd::transformer {

namespace {
torch::Tensor relative_position_index(int64_t height, int64_t width) {
  const int64_t distances = (2 * height - 1) * (2 * width - 1), patches = height * width;
  torch::Tensor rows = torch::arange(height).repeat_interleave(width), cols = torch::arange(width).repeat(height);
  torch::Tensor dy = rows.unsqueeze(1) - rows.unsqueeze(0) + (height - 1);
  torch::Tensor dx = cols.unsqueeze(1) - cols.unsqueeze(0) + (width - 1);
  torch::Tensor index = torch::zeros({patches + 1, patches + 1}, torch::kLong);
  index.slice(0, 1).slice(1, 1).copy_(dy * (2 * width - 1) + dx);
  index.select(0, 0).fill_(distances);      // CLS to patch
  index.select(1, 0).fill_(distances + 1);  // patch to CLS
  index[0][0] = distances + 2;              // CLS to CLS
  return index;
}
}  // namespace

RelativePositionBiasImpl::RelativePositionBiasImpl(int64_t grid_height, int64_t grid_width, int64_t heads)
    : index_(relative_position_index(grid_height, grid_width)) {
  relative_position_bias_table = register_parameter(
      "relative_position_bias_table", torch::zeros({(2 * grid_height - 1) * (2 * grid_width - 1) + 3, heads}));
}

torch::Tensor RelativePositionBiasImpl::forward() {
  if (index_.device() != relative_position_bias_table.device()) index_ = index_.to(relative_position_bias_table.device());
  const int64_t tokens = index_.size(0);
  return relative_position_bias_table.index_select(0, index_.reshape(-1))
      .reshape({tokens, tokens, -1})
      .permute({2, 0, 1})
      .unsqueeze(0);
}

}  // namespace mmkd::transformer

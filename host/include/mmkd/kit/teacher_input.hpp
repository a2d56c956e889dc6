#pragma once
// What every image teacher does to its input and outputs: undo the data's normalisation and
// apply its own (BEiT v2 and Data2Vec2 differ), and run in bfloat16 when asked.
#include <mmkd/options.hpp>

#include <torch/nn/module.h>
#include <torch/types.h>

#include <vector>

namespace mmkd {

struct ComponentInfo;

struct TeacherInput {
  std::vector<double> input_mean, input_std, mean, std;
  torch::ScalarType dtype = torch::kFloat;

  // Options `input_mean`, `input_std` (how the batch was normalised), `mean`, `std` (what the
  // teacher was trained with; defaults given here) and `precision` (fp32 or bf16).
  static void declare(ComponentInfo& info, const std::vector<double>& mean, const std::vector<double>& std);
  static TeacherInput read(const Options& options);  // fails at a list whose length is not 1 or 3

  // image [B, C, H, W] -> ((image * input_std + input_mean) - mean) / std, in `dtype`.
  torch::Tensor prepare(const torch::Tensor& image) const;
  // The module's floating-point parameters and buffers in `dtype` (integer buffers such as
  // BatchNorm's counters kept): call once its weights are loaded.
  void apply_precision(torch::nn::Module& module) const;
  // A teacher output back in float32.
  static torch::Tensor output(const torch::Tensor& tensor) { return tensor.to(torch::kFloat); }
};

}  // namespace mmkd

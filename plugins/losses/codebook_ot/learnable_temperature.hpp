#pragma once
// The learnable temperature gamma of CODIS (Algorithm 1 `tmp`, Eq. 2 and 4), trained directly
// and clamped to a range when used, as in ALBEF.
#include <mmkd/mmkd.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>

namespace mmkd::codebook_ot {

class LearnableTemperature {
 public:
  // Adds init_temperature, learn_temperature, min_temperature, max_temperature.
  static void declare_options(ComponentInfo& info);

  // Registers the parameter `temperature` on `owner`.
  LearnableTemperature(torch::nn::Module& owner, const Options& options);

  torch::Tensor value() const;  // scalar, clamped to [min_temperature, max_temperature]

 private:
  torch::Tensor temperature_;
  double min_, max_;
};

}  // namespace mmkd::codebook_ot

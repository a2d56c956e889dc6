#pragma once
// Loss `codebook_ot`: CODIS multimodal codebook learning, L_code of Eq. 3 with a weight per part.
#include "codebook_ot_math.hpp"
#include "learnable_temperature.hpp"

#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace mmkd::codebook_ot {

class CodebookOt : public Loss {
 public:
  static ComponentInfo info();
  CodebookOt(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

  torch::Tensor codebook;  // [K, D]: codewords c_j as rows, shared by both modalities

 private:
  Context context_;
  LearnableTemperature temperature_;
  IpotSettings ipot_;
  bool swapped_targets_;
  double ot_weight_, tp_weight_, ip_weight_;
};

}  // namespace mmkd::codebook_ot

#pragma once
// The four feature ports both CODIS losses read: student and momentum-teacher features of each
// modality (the host provides the EMA copies as `<node>_momentum.<output>`).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <string>

namespace mmkd::codebook_ot {

struct CodisFeatures {
  torch::Tensor image, text;                     // student z_v, z_t [B, D]
  torch::Tensor image_momentum, text_momentum;   // momentum teacher z_v^m, z_t^m [B, D]
};

// Adds the ports image, text, image_momentum, text_momentum.
void declare_codis_inputs(ComponentInfo& info);

// Reads the four ports; all must be [B, dim] with one B. Throws Error naming loss `type`, the
// ports and the shapes found and expected.
CodisFeatures read_codis_features(const std::string& type, const TensorMap& inputs, int64_t dim);

}  // namespace mmkd::codebook_ot

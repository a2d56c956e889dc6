#pragma once
// Loss `cmli_contrastive`: FILIP's token-wise image-text contrastive loss with a learnable
// temperature (seed 004 Eq. 1-4 for the similarities, thesis Eq. 27-29 for the loss).
#include <torch/types.h>

#include <mmkd/mmkd.hpp>
#include <mmkd/kit/logit_scale.hpp>

namespace mmkd::cmli {

class CmliContrastive : public Loss {
 public:
  static ComponentInfo info();
  CmliContrastive(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

 private:
  LogitScale logit_scale_;
};

}  // namespace mmkd::cmli

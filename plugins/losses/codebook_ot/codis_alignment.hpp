#pragma once
// Loss `codis_alignment`: CODIS intra- and cross-modal alignment L_ica (Eq. 4-5) against
// momentum-teacher features and queues of them.
#include "codis_alignment_math.hpp"
#include "learnable_temperature.hpp"

#include <mmkd/mmkd.hpp>
#include <mmkd/kit/feature_queue.hpp>
#include <torch/types.h>

namespace mmkd::codebook_ot {

class CodisAlignment : public Loss {
 public:
  static ComponentInfo info();
  CodisAlignment(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

  FeatureQueue image_queue{nullptr};  // Q_v: momentum image features of earlier steps
  FeatureQueue text_queue{nullptr};   // Q_t: momentum text features of earlier steps

 private:
  Context context_;
  LearnableTemperature temperature_;
  double distill_alpha_, intra_weight_, cross_weight_;
};

}  // namespace mmkd::codebook_ot

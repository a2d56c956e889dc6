#pragma once
// Loss `data2vec_regression`: the student's layer-averaged, normalised representation of
// every token regressed onto the teacher's, as in Data2Vec (thesis Eq. 36-41).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <optional>

namespace mmkd::distillation {

class Data2VecRegression : public Loss {
 public:
  static ComponentInfo info();
  Data2VecRegression(const Options& options, const Context& context);

  LossOutput compute(const TensorMap& inputs) override;

 private:
  double instance_norm_eps_;
  std::optional<double> layer_norm_eps_;  // none: no layer norm of the average
  int64_t teacher_first_layer_, student_first_layer_;
};

}  // namespace mmkd::distillation

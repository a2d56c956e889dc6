#pragma once
// Evaluator `classification`: accuracy, top-5 accuracy, F1 of class 1 and the Matthews
// correlation of a classifier's logits over a validation pass (GLUE and ImageNet-1K metrics,
// thesis Tables 27 and 28).
#include <torch/types.h>
#include <mmkd/mmkd.hpp>

#include <map>
#include <string>
#include <vector>

namespace mmkd::classification_eval {

class Classification : public Evaluator {
 public:
  static ComponentInfo info();
  Classification(const Options& options, const Context& context);

  void reset() override;
  void add(const TensorMap& inputs, const EvalModels& models) override;
  std::map<std::string, double> compute(const EvalModels& models) override;
  std::vector<TableCell> table(const std::map<std::string, double>& metrics) const override;

 private:
  void check_classes(int64_t classes) const;

  std::vector<std::string> metrics_;
  int64_t classes_ = 0;                                      // C of the batches added since reset(); 0 before the first
  std::vector<torch::Tensor> ranks_, predictions_, labels_;  // per batch, CPU int64
};

}  // namespace mmkd::classification_eval

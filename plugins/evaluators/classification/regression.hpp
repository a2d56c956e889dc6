#pragma once
// Evaluator `regression`: Pearson and Spearman correlation of predicted and true scores over a
// validation pass (GLUE's STS-B, thesis Table 28).
#include <torch/types.h>
#include <mmkd/mmkd.hpp>

#include <map>
#include <string>
#include <vector>

namespace mmkd::classification_eval {

class Regression : public Evaluator {
 public:
  static ComponentInfo info();
  Regression(const Options& options, const Context& context);

  void reset() override;
  void add(const TensorMap& inputs, const EvalModels& models) override;
  std::map<std::string, double> compute(const EvalModels& models) override;
  std::vector<TableCell> table(const std::map<std::string, double>& metrics) const override;

 private:
  std::vector<torch::Tensor> predictions_, targets_;  // per batch, CPU double [B]
};

}  // namespace mmkd::classification_eval

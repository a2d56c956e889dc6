#include "regression.hpp"

#include "correlation.hpp"
#include "percent_table.hpp"

namespace mmkd::classification_eval {

ComponentInfo Regression::info() {
  return ComponentInfo("regression",
                       "Pearson and Spearman correlation of predicted and true scores over the whole validation set "
                       "(GLUE STS-B, thesis Table 28)")
      .input("prediction", "[B] or [B, 1] predicted scores")
      .input("target", "[B] true scores", "batch.score")
      .output("pearson", "Pearson's r, in [-1, 1]; 0 when predictions or targets are constant")
      .output("spearman", "Spearman's rho (tied values share their mean rank), in [-1, 1]");
}

Regression::Regression(const Options& /*options*/, const Context& /*context*/) {}

void Regression::reset() {
  predictions_.clear();
  targets_.clear();
}

void Regression::add(const TensorMap& inputs, const EvalModels& /*models*/) {
  const torch::Tensor& prediction = require(inputs, "prediction");
  const torch::Tensor& target = require(inputs, "target");
  const bool column = prediction.dim() == 2 && prediction.size(1) == 1;
  if ((prediction.dim() != 1 && !column) || target.dim() != 1 || prediction.size(0) != target.size(0))
    throw Error(c10::str("regression: `prediction` must be [B] or [B, 1] and `target` [B], got ", prediction.sizes(),
                         " and ", target.sizes()));
  predictions_.push_back(prediction.detach().to(torch::kCPU, torch::kDouble).reshape({-1}));
  targets_.push_back(target.detach().to(torch::kCPU, torch::kDouble));
}

std::map<std::string, double> Regression::compute(const EvalModels& /*models*/) {
  if (targets_.empty()) throw Error("regression: compute() before any batch was added");
  const torch::Tensor predictions = torch::cat(predictions_), targets = torch::cat(targets_);
  return {{"pearson", pearson(predictions, targets)}, {"spearman", spearman(predictions, targets)}};
}

std::vector<TableCell> Regression::table(const std::map<std::string, double>& metrics) const {
  return percent_cells(metrics, {{"pearson", "Pearson"}, {"spearman", "Spearman"}});
}

}  // namespace mmkd::classification_eval

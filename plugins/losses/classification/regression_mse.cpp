#include "regression_mse.hpp"

namespace mmkd::classification {

ComponentInfo RegressionMse::info() {
  return ComponentInfo("regression_mse",
                       "Mean squared error of a predicted score against the target score, in float32, for "
                       "regression tasks such as GLUE STS-B (thesis Table 28).")
      .input("prediction", "[B] or [B, 1] predicted scores (e.g. classifier.logits with num_classes 1)")
      .input("target", "float [B] target scores (e.g. glue's `score` of STS-B)", "batch.score")
      .output("rmse", "square root of the mean squared error");
}

RegressionMse::RegressionMse(const Options& /*options*/, const Context& /*context*/) {}

LossOutput RegressionMse::compute(const TensorMap& inputs) {
  const torch::Tensor& prediction = require(inputs, "prediction");
  const torch::Tensor& target = require(inputs, "target");
  if (!(prediction.dim() == 1 || (prediction.dim() == 2 && prediction.size(1) == 1)))
    throw Error(c10::str("regression_mse: `prediction` must be [B] or [B, 1], got ", prediction.sizes()));
  if (target.dim() != 1 || target.size(0) != prediction.size(0))
    throw Error(c10::str("regression_mse: `target` must be [B] with B = ", prediction.size(0),
                         " (the rows of `prediction` ", prediction.sizes(), "), got ", target.sizes()));
  const torch::Tensor scores = at_least_fp32(prediction).reshape({-1});
  LossOutput out;
  out.loss = (scores - target.detach().to(scores.scalar_type())).pow(2).mean();
  out.metrics["rmse"] = out.loss.detach().sqrt();
  return out;
}

}  // namespace mmkd::classification

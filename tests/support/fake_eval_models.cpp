#include "fake_eval_models.hpp"

namespace mmkd::testing {

void FakeEvalModels::run_model(TensorMap& tensors) const {
  if (!model) throw Error("FakeEvalModels: the test gave no model");
  model(tensors);
}

TensorMap FakeEvalModels::evaluate_loss(const std::string& loss, const TensorMap& inputs) const {
  auto it = losses.find(loss);
  if (it == losses.end()) throw Error("FakeEvalModels: the test gave no loss `" + loss + "`");
  return it->second(inputs);
}

}  // namespace mmkd::testing

#pragma once
// EvalModels for evaluator unit tests: the model and losses are functions given by the test;
// calling one the test did not give throws mmkd::Error.
#include <mmkd/mmkd.hpp>

#include <functional>
#include <map>
#include <string>

namespace mmkd::testing {

struct FakeEvalModels : EvalModels {
  std::function<void(TensorMap&)> model;
  std::map<std::string, std::function<TensorMap(const TensorMap&)>> losses;

  void run_model(TensorMap& tensors) const override;
  TensorMap evaluate_loss(const std::string& loss, const TensorMap& inputs) const override;
};

inline const FakeEvalModels kNoModels{};  // for evaluators that call no model

}  // namespace mmkd::testing

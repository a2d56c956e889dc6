#pragma once
// Evaluator `retrieval`: image-to-text and text-to-image Recall@K over a validation pass.
#include "embedding_store.hpp"

#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace mmkd::retrieval {

class Retrieval : public Evaluator {
 public:
  static ComponentInfo info();
  Retrieval(const Options& options, const Context& context);

  void reset() override;
  void add(const TensorMap& inputs, const EvalModels& /*models*/) override;
  std::map<std::string, double> compute(const EvalModels& models) override;
  std::vector<TableCell> table(const std::map<std::string, double>& metrics) const override;

 private:
  std::vector<int64_t> ks_;
  EmbeddingStore store_;
};

}  // namespace mmkd::retrieval

#pragma once
// Evaluator `itm_rerank`: Recall@K after ITM re-ranking of each query's top-k candidates by
// contrastive similarity (ALBEF, VLMo; fine-tuned retrieval with k = 128 on Flickr30K, 256 on COCO).
#include "embedding_store.hpp"

#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace mmkd::retrieval {

class ItmRerank : public Evaluator {
 public:
  static ComponentInfo info();
  ItmRerank(const Options& options, const Context& context);

  void reset() override;
  void add(const TensorMap& inputs, const EvalModels& /*models*/) override;
  std::map<std::string, double> compute(const EvalModels& models) override;
  std::vector<TableCell> table(const std::map<std::string, double>& metrics) const override;

 private:
  std::string loss_;
  int64_t k_, pair_batch_;
  std::vector<int64_t> ks_;
  EmbeddingStore features_;    // image_features, text_features: the first ranking
  EmbeddingStore itm_inputs_;  // image, text: what the ITM loss reads
};

}  // namespace mmkd::retrieval

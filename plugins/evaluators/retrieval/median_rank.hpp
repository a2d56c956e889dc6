#pragma once
// Evaluator `median_rank`: SHRe's average median rank (thesis Section 3.2.1.1.4, Table 11):
// splits of 1K images, one caption per image per round, the median rank of the correct pair
// per split, averaged over splits and over 5 rounds so that every caption is used once.
#include "embedding_store.hpp"

namespace mmkd::retrieval {

class MedianRank : public Evaluator {
 public:
  static ComponentInfo info();
  MedianRank(const Options& options, const Context& context);

  void reset() override { store_.clear(); }
  void add(const TensorMap& inputs, const EvalModels& /*models*/) override { store_.add(inputs); }
  std::map<std::string, double> compute(const EvalModels& models) override;
  std::vector<TableCell> table(const std::map<std::string, double>& metrics) const override;  // Table 11

 private:
  int64_t splits_, split_size_, rounds_;
  EmbeddingStore store_;
};

}  // namespace mmkd::retrieval

#pragma once
// Evaluator `codebook_usage`: how many codewords of a VQ loss' codebook the validation set uses
// (thesis Section 3.2.7: codebook usage over the whole ImageNet-1K validation set, to detect
// codebook collapse).
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <map>
#include <string>

namespace mmkd::codebook {

class CodebookUsage : public Evaluator {
 public:
  static ComponentInfo info();
  CodebookUsage(const Options& options, const Context& context);

  void reset() override;
  void add(const TensorMap& inputs, const EvalModels& models) override;
  std::map<std::string, double> compute(const EvalModels& models) override;
  std::vector<TableCell> table(const std::map<std::string, double>& metrics) const override;

 private:
  std::string loss_;
  int64_t codebook_size_;
  torch::Tensor counts_;  // [J] long: samples assigned to each codeword so far
};

}  // namespace mmkd::codebook

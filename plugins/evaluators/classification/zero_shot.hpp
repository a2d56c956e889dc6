#pragma once
// Evaluator `zero_shot`: CLIP's zero-shot image classification (thesis Section 1.7.2.2). Every
// class name is put into every prompt template, the model's text branch embeds the prompts, the
// L2-normalised prompt embeddings of a class are averaged and normalised again into one class
// embedding, and each image is assigned the class of highest cosine similarity.
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <torch/types.h>
#include <mmkd/mmkd.hpp>

#include <map>
#include <string>
#include <vector>

namespace mmkd::classification_eval {

class ZeroShot : public Evaluator {
 public:
  static ComponentInfo info();
  ZeroShot(const Options& options, const Context& context);

  void reset() override;
  void add(const TensorMap& inputs, const EvalModels& models) override;
  std::map<std::string, double> compute(const EvalModels& models) override;
  std::vector<TableCell> table(const std::map<std::string, double>& metrics) const override;

 private:
  // [classes, D] L2-normalised, from the model as it is now.
  torch::Tensor class_embeddings(const EvalModels& models) const;

  text::WordpieceTokenizer tokenizer_;
  int64_t max_len_, prompt_batch_;
  std::string text_ids_, text_mask_, text_embedding_;
  int64_t classes_ = 0, templates_ = 0;
  std::vector<std::vector<int64_t>> prompt_pieces_;  // word pieces of template t for class c at c * templates_ + t
  std::vector<torch::Tensor> images_, labels_;       // per batch, CPU
  torch::Device device_ = torch::kCPU;               // of the image embeddings: where the model runs
};

}  // namespace mmkd::classification_eval

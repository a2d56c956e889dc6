#pragma once
// Dataset `glue`: one split of one GLUE task, tokenized as BERT's sentences or sentence pairs.
#include "glue_file.hpp"
#include "glue_tasks.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <mmkd/mmkd.hpp>

namespace mmkd::text {

class Glue : public Dataset {
 public:
  static ComponentInfo info();
  Glue(const Options& options, const Context& context);

  int64_t size() const override { return static_cast<int64_t>(examples_.size()); }
  TensorMap get(int64_t index, uint64_t seed) const override;

 private:
  const GlueTask& task_;
  int64_t max_len_;
  WordpieceTokenizer tokenizer_;
  std::vector<GlueExample> examples_;
};

}  // namespace mmkd::text

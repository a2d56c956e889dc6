#pragma once
// Dataset `openwebtext`: one binary file of token ids cut into [CLS] slice [SEP] samples.
#include "token_file.hpp"

#include <mmkd/mmkd.hpp>

#include <memory>

namespace mmkd::text {

class OpenWebText : public Dataset {
 public:
  static ComponentInfo info();
  OpenWebText(const Options& options, const Context& context);

  int64_t size() const override { return size_; }
  TensorMap get(int64_t index, uint64_t seed) const override;

 private:
  std::unique_ptr<TokenFile> tokens_;
  int64_t max_len_, cls_id_, sep_id_;
  int64_t size_ = 0;
};

}  // namespace mmkd::text

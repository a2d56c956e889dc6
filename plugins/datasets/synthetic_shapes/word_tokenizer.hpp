#pragma once
// Word-level tokenizer over a fixed vocabulary: [PAD]=0, [CLS]=1, [SEP]=2, [UNK]=3, then the
// given words. Text is split on whitespace and lower-cased.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace mmkd::synthetic_shapes {

struct EncodedText {
  std::vector<int64_t> ids;   // [CLS] words [SEP], then [PAD]s
  std::vector<int64_t> mask;  // 1 = token, 0 = padding
};

class WordTokenizer {
 public:
  static constexpr int64_t pad_id = 0, cls_id = 1, sep_id = 2, unk_id = 3;

  explicit WordTokenizer(const std::vector<std::string>& words);

  // Exactly max_len tokens (max_len >= 2): words beyond max_len - 2 are dropped, [SEP] kept.
  EncodedText encode(const std::string& text, int64_t max_len) const;
  int64_t id(const std::string& word) const;  // unk_id when not in the vocabulary
  const std::string& word(int64_t id) const;
  int64_t vocab_size() const { return static_cast<int64_t>(vocabulary_.size()); }

 private:
  std::vector<std::string> vocabulary_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace mmkd::synthetic_shapes

#pragma once
// BERT's uncased WordPiece tokenizer over a vocab.txt (one token per line, id = line number):
// BasicTokenizer words, then greedy longest-match-first word pieces with `##` continuations.
// It gives transformers' BertTokenizer's ids (wordpiece_agreement_test.cpp) but for text that spells
// a special token: "[SEP]" in a text gives the pieces "[", "sep", "]", never the token [SEP].
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace mmkd::text {

// One sequence of exactly max_len positions.
struct EncodedText {
  std::vector<int64_t> ids;    // [CLS] a [SEP] (pair: [CLS] a [SEP] b [SEP]), then [PAD]
  std::vector<int64_t> mask;   // 1 = token, 0 = padding
  std::vector<int64_t> types;  // 0 = [CLS], a, its [SEP] and padding; 1 = b and its [SEP]
};

class WordpieceTokenizer {
 public:
  static constexpr size_t max_word_chars = 100;  // longer words become [UNK]

  // Throws mmkd::Error naming the file when it cannot be read or lacks [PAD], [UNK], [CLS] or [SEP].
  explicit WordpieceTokenizer(const std::string& vocab_path);

  std::vector<int64_t> encode(const std::string& text) const;         // word pieces, no special tokens
  std::vector<std::string> tokenize(const std::string& text) const;   // the same pieces as strings
  // [CLS] text [SEP], the text truncated to max_len - 2 pieces, padded to max_len (>= 2).
  EncodedText encode_single(const std::string& text, int64_t max_len) const;
  // [CLS] pieces [SEP] for text already split into word pieces (ids), truncated and padded as above.
  EncodedText encode_pieces(std::vector<int64_t> pieces, int64_t max_len) const;
  // [CLS] first [SEP] second [SEP] padded to max_len (>= 3); while the pieces exceed max_len - 3,
  // the last piece of the longer text is dropped, of `second` on a tie (BERT's _truncate_seq_pair,
  // BertTokenizer's longest_first; BertTokenizerFast gives the odd piece to the longer text instead).
  EncodedText encode_pair(const std::string& first, const std::string& second, int64_t max_len) const;

  int64_t pad_id() const { return pad_id_; }
  int64_t unk_id() const { return unk_id_; }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }
  int64_t vocab_size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::string& token(int64_t id) const;  // throws mmkd::Error outside the vocabulary
  int64_t piece_id(const std::string& piece) const;  // [UNK]'s id when the vocabulary lacks it

 private:
  void append_pieces(const std::u32string& word, std::vector<int64_t>& ids) const;
  int64_t find(const std::string& token) const;  // -1 when absent

  std::string path_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
  size_t longest_token_bytes_ = 0;
  int64_t pad_id_ = -1, unk_id_ = -1, cls_id_ = -1, sep_id_ = -1;
};

}  // namespace mmkd::text

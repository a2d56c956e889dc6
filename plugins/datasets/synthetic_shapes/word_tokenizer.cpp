#include "word_tokenizer.hpp"

#include <mmkd/error.hpp>

#include <cctype>
#include <sstream>

namespace mmkd::synthetic_shapes {

WordTokenizer::WordTokenizer(const std::vector<std::string>& words)
    : vocabulary_{"[PAD]", "[CLS]", "[SEP]", "[UNK]"} {
  vocabulary_.insert(vocabulary_.end(), words.begin(), words.end());
  for (size_t i = 0; i < vocabulary_.size(); ++i) {
    if (!ids_.emplace(vocabulary_[i], static_cast<int64_t>(i)).second)
      throw Error("word tokenizer: `" + vocabulary_[i] + "` is in the vocabulary twice");
  }
}

EncodedText WordTokenizer::encode(const std::string& text, int64_t max_len) const {
  if (max_len < 2) throw Error("word tokenizer: max_len must be at least 2, got " + std::to_string(max_len));
  EncodedText encoded;
  encoded.ids.push_back(cls_id);
  std::istringstream stream(text);
  for (std::string word; stream >> word && static_cast<int64_t>(encoded.ids.size()) < max_len - 1;) {
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    encoded.ids.push_back(id(word));
  }
  encoded.ids.push_back(sep_id);
  encoded.mask.assign(encoded.ids.size(), 1);
  encoded.ids.resize(max_len, pad_id);
  encoded.mask.resize(max_len, 0);
  return encoded;
}

int64_t WordTokenizer::id(const std::string& word) const {
  auto it = ids_.find(word);
  return it == ids_.end() ? unk_id : it->second;
}

const std::string& WordTokenizer::word(int64_t id) const {
  if (id < 0 || id >= vocab_size())
    throw Error("word tokenizer: id " + std::to_string(id) + " is outside the vocabulary of " +
                std::to_string(vocab_size()));
  return vocabulary_[id];
}

}  // namespace mmkd::synthetic_shapes

#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <mmkd_text/basic_tokenizer.hpp>
#include <mmkd_text/utf8.hpp>

#include <mmkd/error.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace mmkd::text {

namespace {

void append_segment(EncodedText& out, const std::vector<int64_t>& pieces, int64_t sep_id, int64_t type) {
  out.ids.insert(out.ids.end(), pieces.begin(), pieces.end());
  out.ids.push_back(sep_id);
  out.types.resize(out.ids.size(), type);
}

void pad(EncodedText& out, int64_t max_len, int64_t pad_id) {
  out.mask.assign(out.ids.size(), 1);
  out.ids.resize(max_len, pad_id);
  out.mask.resize(max_len, 0);
  out.types.resize(max_len, 0);
}

}  // namespace

WordpieceTokenizer::WordpieceTokenizer(const std::string& vocab_path) : path_(vocab_path) {
  if (!std::filesystem::is_regular_file(path_)) throw DataError("vocab file `" + path_ + "` does not exist");
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw DataError("cannot read vocab file `" + path_ + "`");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ids_[line] = static_cast<int64_t>(tokens_.size());  // a repeated token keeps its last line, as in BERT
    longest_token_bytes_ = std::max(longest_token_bytes_, line.size());
    tokens_.push_back(std::move(line));
  }
  std::string missing;
  const std::pair<const char*, int64_t*> specials[] = {
      {"[PAD]", &pad_id_}, {"[UNK]", &unk_id_}, {"[CLS]", &cls_id_}, {"[SEP]", &sep_id_}};
  for (auto [name, id] : specials) {
    *id = find(name);
    if (*id < 0) missing += std::string(missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty())
    throw DataError("vocab file `" + path_ + "` (" + std::to_string(tokens_.size()) + " lines) lacks the special token(s) " +
                missing + "; a BERT vocab.txt has one token per line, [PAD] [UNK] [CLS] [SEP] among them");
}

int64_t WordpieceTokenizer::find(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

const std::string& WordpieceTokenizer::token(int64_t id) const {
  if (id < 0 || id >= vocab_size())
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of `" + path_ + "` (" +
                std::to_string(vocab_size()) + " tokens)");
  return tokens_[id];
}

// Greedy longest-match-first: the longest vocabulary entry starting at each position, `##`
// before every piece but the first; a word with a position no entry matches is one [UNK].
void WordpieceTokenizer::append_pieces(const std::u32string& word, std::vector<int64_t>& ids) const {
  if (word.size() > max_word_chars) {
    ids.push_back(unk_id_);
    return;
  }
  std::string utf8;
  std::vector<size_t> offsets{0};  // byte offset of each character boundary
  for (char32_t c : word) {
    append_utf8(c, utf8);
    offsets.push_back(utf8.size());
  }
  std::vector<int64_t> pieces;
  for (size_t start = 0; start < word.size();) {
    const std::string prefix = start > 0 ? "##" : "";
    int64_t id = -1;
    size_t end = word.size();
    for (; end > start; --end) {
      const size_t bytes = offsets[end] - offsets[start];
      if (prefix.size() + bytes > longest_token_bytes_) continue;
      id = find(prefix + utf8.substr(offsets[start], bytes));
      if (id >= 0) break;
    }
    if (id < 0) {
      ids.push_back(unk_id_);
      return;
    }
    pieces.push_back(id);
    start = end;
  }
  ids.insert(ids.end(), pieces.begin(), pieces.end());
}

std::vector<int64_t> WordpieceTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  for (const std::u32string& word : basic_tokenize(text)) append_pieces(word, ids);
  return ids;
}

std::vector<std::string> WordpieceTokenizer::tokenize(const std::string& text) const {
  std::vector<std::string> pieces;
  for (int64_t id : encode(text)) pieces.push_back(tokens_[id]);
  return pieces;
}

EncodedText WordpieceTokenizer::encode_single(const std::string& text, int64_t max_len) const {
  return encode_pieces(encode(text), max_len);
}

int64_t WordpieceTokenizer::piece_id(const std::string& piece) const {
  const int64_t id = find(piece);
  return id < 0 ? unk_id_ : id;
}

EncodedText WordpieceTokenizer::encode_pieces(std::vector<int64_t> pieces, int64_t max_len) const {
  if (max_len < 2) throw Error("max_len must be at least 2 for [CLS] and [SEP], got " + std::to_string(max_len));
  if (static_cast<int64_t>(pieces.size()) > max_len - 2) pieces.resize(max_len - 2);
  EncodedText out{{cls_id_}, {}, {0}};
  append_segment(out, pieces, sep_id_, 0);
  pad(out, max_len, pad_id_);
  return out;
}

EncodedText WordpieceTokenizer::encode_pair(const std::string& first, const std::string& second,
                                            int64_t max_len) const {
  if (max_len < 3) throw Error("max_len must be at least 3 for [CLS] and two [SEP], got " + std::to_string(max_len));
  std::vector<int64_t> a = encode(first), b = encode(second);
  while (static_cast<int64_t>(a.size() + b.size()) > max_len - 3) (a.size() > b.size() ? a : b).pop_back();
  EncodedText out{{cls_id_}, {}, {0}};
  append_segment(out, a, sep_id_, 0);
  append_segment(out, b, sep_id_, 1);
  pad(out, max_len, pad_id_);
  return out;
}

}  // namespace mmkd::text

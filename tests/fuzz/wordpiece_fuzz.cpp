// BERT's WordPiece tokenizer (basic tokenization, Unicode normalisation, greedy pieces) on any
// bytes, valid UTF-8 or not: one text, and a pair cut at the first tab; the first byte gives
// max_len.
#include "fuzz_target.hpp"

#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <fstream>
#include <memory>

namespace {

const mmkd::text::WordpieceTokenizer& fuzz_tokenizer() {
  static const std::unique_ptr<mmkd::text::WordpieceTokenizer> tokenizer = [] {
    const std::string path = mmkd::fuzz::scratch_folder() + "/vocab.txt";
    std::ofstream(path) << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\na\nun\n##aff\n##able\n##s\n##ing\nrun\n"
                           "cafe\ne\n##e\n.\n,\n!\n\xe4\xb8\xad\n\xe6\x96\x87\n\xc3\xa9\n##\xc3\xa9\n0\n1\n##1\n";
    return std::make_unique<mmkd::text::WordpieceTokenizer>(path);
  }();
  return *tokenizer;
}

}  // namespace

MMKD_FUZZ_TARGET(wordpiece) {
  if (size < 1) return;
  const int64_t max_len = 3 + data[0] % 64;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto& tokenizer = fuzz_tokenizer();
  mmkd::fuzz::allow_input_errors([&] {
    tokenizer.encode_single(text, max_len);
    const size_t tab = text.find('\t');
    if (tab != std::string::npos) tokenizer.encode_pair(text.substr(0, tab), text.substr(tab + 1), max_len);
  });
}

// mmkd-tokenize INPUT... --vocab VOCAB --out DIR (`mmkd tokenize`): raw text, such as OpenWebText's
// documents, to the uint16 WordPiece ids of DIR/train.bin and DIR/val.bin that the `openwebtext`
// dataset reads. Exit codes: 0 done, 2 bad input (command line, a missing or unreadable input or
// vocabulary, a malformed .jsonl line), 1 any other failure.
#include "corpus_files.hpp"
#include "corpus_tokenizer.hpp"
#include "token_file_writer.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <mmkd/error.hpp>
#include <mmkd/progress.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace mmkd::text;

namespace {

struct TokenizeCommand {
  std::vector<std::string> inputs, val_inputs;
  std::string vocab, out_dir;
  // nanoGPT's validation share of OpenWebText (prepare.py's test_size), the thesis' seed, every core
  CorpusSplitSettings split{0.0005, 42, static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
};

std::string split_line(const std::string& name, const SplitCounts& counts, const TokenFileWriter& file) {
  return "tokenize: " + name + "  " + mmkd::format_count(counts.documents) + " documents  " +
         mmkd::format_count(counts.tokens) + " tokens  " + mmkd::format_count(file.bytes()) + " bytes  -> " +
         file.path();
}

std::string unknown_share(const CorpusCounts& counts) {
  const int64_t tokens = counts.train.tokens + counts.val.tokens;
  const int64_t unknown = counts.train.unknown_tokens + counts.val.unknown_tokens;
  const double percent = tokens > 0 ? 100.0 * static_cast<double>(unknown) / static_cast<double>(tokens) : 0.0;
  char share[32];
  std::snprintf(share, sizeof share, "%.4f%%", percent);
  return share;
}

int tokenize(const TokenizeCommand& command) {
  const auto start = std::chrono::steady_clock::now();
  const WordpieceTokenizer tokenizer(command.vocab);
  if (tokenizer.vocab_size() > 65536)
    throw mmkd::DataError("vocab file `" + command.vocab + "` has " + std::to_string(tokenizer.vocab_size()) +
                          " tokens; a token file holds uint16 ids, at most 65536 tokens");
  const bool explicit_val = !command.val_inputs.empty();
  std::vector<CorpusFile> files =
      list_corpus_files(command.inputs, explicit_val ? SplitRule::train : SplitRule::by_hash);
  const std::vector<CorpusFile> val_files = list_corpus_files(command.val_inputs, SplitRule::val);
  files.insert(files.end(), val_files.begin(), val_files.end());
  int64_t documents = 0;
  for (const CorpusFile& file : files) documents += count_documents(file);

  fs::create_directories(command.out_dir);
  TokenFileWriter train((fs::path(command.out_dir) / "train.bin").string());
  TokenFileWriter val((fs::path(command.out_dir) / "val.bin").string());
  CorpusCounts counts;
  {
    mmkd::CountProgress progress("tokenize", documents, "documents");
    counts = tokenize_corpus(files, tokenizer, command.split, train, val, progress);
  }
  train.commit();
  val.commit();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << split_line("train.bin", counts.train, train) << "\n"
            << split_line("val.bin  ", counts.val, val) << "\n"
            << "tokenize: [UNK] " << unknown_share(counts) << " of the tokens; " << mmkd::format_duration(seconds)
            << " on " << command.split.threads << (command.split.threads == 1 ? " thread" : " threads") << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tokenizes text (.txt files of one document, .jsonl files of one {\"text\": ...} a line) with BERT's "
               "WordPiece into the uint16 ids of OUT/train.bin and OUT/val.bin, the files of the openwebtext dataset"};
  TokenizeCommand command;
  app.add_option("inputs", command.inputs, ".txt and .jsonl files, and folders searched recursively for them")
      ->required();
  app.add_option("--vocab", command.vocab, "the vocab.txt of an uncased BERT (bert-base-uncased)")->required();
  app.add_option("--out", command.out_dir, "folder for train.bin and val.bin (created when missing)")->required();
  CLI::Option* val_inputs = app.add_option("--val", command.val_inputs,
                                           "inputs whose documents all go to val.bin; those of INPUT go to train.bin");
  app.add_option("--val-fraction", command.split.val_fraction,
                 "share of the INPUT documents that go to val.bin, chosen by a seeded hash of each text")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->excludes(val_inputs);
  app.add_option("--seed", command.split.seed, "seed of the hash that picks the val.bin documents")
      ->capture_default_str();
  app.add_option("--threads", command.split.threads, "tokenizing threads (default: the CPU count)")
      ->check(CLI::Range(1, 4096));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return tokenize(command);
  } catch (const mmkd::DataError& e) {
    std::cerr << "tokenize: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tokenize: " << e.what() << std::endl;
    return 1;
  }
}

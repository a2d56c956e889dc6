#pragma once
// Tokenizes a corpus into train and val token files on several threads: documents are read in
// batches, tokenized in parallel and written in corpus order, so the files are the same bytes
// whatever the number of threads. A document's ids follow the previous document's, with nothing between.
#include "corpus_files.hpp"
#include "token_file_writer.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <mmkd/progress.hpp>

#include <cstdint>
#include <vector>

namespace mmkd::text {

struct CorpusSplitSettings {
  double val_fraction = 0;  // of the documents of SplitRule::by_hash files
  uint64_t seed = 0;
  int threads = 1;
};

struct SplitCounts {
  int64_t documents = 0, tokens = 0, unknown_tokens = 0;
};

struct CorpusCounts {
  SplitCounts train, val;
};

// Throws the first error in corpus order (mmkd::DataError for a document that cannot be read).
CorpusCounts tokenize_corpus(const std::vector<CorpusFile>& files, const WordpieceTokenizer& tokenizer,
                             const CorpusSplitSettings& settings, TokenFileWriter& train, TokenFileWriter& val,
                             CountProgress& progress);

}  // namespace mmkd::text

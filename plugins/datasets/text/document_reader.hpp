#pragma once
// Reads a corpus in order as batches of documents to load: the main thread only lists .txt files
// and reads .jsonl lines; the workers read the files and parse the lines (load_document).
#include "corpus_files.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace mmkd::text {

struct DocumentJob {
  const CorpusFile* file;
  int64_t line = 0;       // 1-based line of a .jsonl file; 0 for a .txt file
  std::string json_line;  // that line as read
};

class DocumentReader {
 public:
  explicit DocumentReader(const std::vector<CorpusFile>& files);

  // The next documents in corpus order: up to max_documents, ending early once the .jsonl lines
  // reach max_bytes; empty when every document was read. Blank .jsonl lines are skipped.
  std::vector<DocumentJob> next_batch(size_t max_documents, size_t max_bytes);

 private:
  const std::vector<CorpusFile>& files_;
  size_t next_file_ = 0;
  std::ifstream json_lines_;  // the .jsonl file being read
  int64_t line_ = 0;
};

// The text of a document: the .txt file's content, or the "text" field of the JSON line; throws
// mmkd::DataError naming the file (and line) when it cannot be read or is not such JSON.
std::string load_document(const DocumentJob& job);

}  // namespace mmkd::text

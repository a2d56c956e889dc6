#pragma once
// The files of a text corpus: .txt files (one document each, as OpenWebText's archives hold them)
// and .jsonl files (one document a line, its "text" field, as a Hugging Face dataset's to_json
// writes them), found in the paths given, folders searched recursively.
#include <cstdint>
#include <string>
#include <vector>

namespace mmkd::text {

enum class CorpusFormat { text, json_lines };
enum class SplitRule { by_hash, train, val };  // which of train.bin and val.bin a file's documents go to

struct CorpusFile {
  std::string path;
  CorpusFormat format;
  SplitRule split;
};

// Each input in order, a folder's .txt and .jsonl files sorted by path; throws mmkd::DataError naming
// an input that is missing, a file of another kind, or a folder without any corpus file.
std::vector<CorpusFile> list_corpus_files(const std::vector<std::string>& inputs, SplitRule split);

bool is_blank_line(const std::string& line);  // only spaces, tabs and line-end characters

// 1 for a .txt file; the lines that are not blank for a .jsonl file.
int64_t count_documents(const CorpusFile& file);

}  // namespace mmkd::text

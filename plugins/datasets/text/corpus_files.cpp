#include "corpus_files.hpp"

#include <mmkd/error.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

namespace fs = std::filesystem;

namespace mmkd::text {

namespace {

bool is_blank_byte(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::optional<CorpusFormat> corpus_format_of(const fs::path& path) {
  if (path.extension() == ".txt") return CorpusFormat::text;
  if (path.extension() == ".jsonl") return CorpusFormat::json_lines;
  return std::nullopt;
}

std::vector<CorpusFile> corpus_files_in_folder(const std::string& folder, SplitRule split) {
  std::vector<CorpusFile> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder, fs::directory_options::follow_directory_symlink)) {
    const std::optional<CorpusFormat> format = corpus_format_of(entry.path());
    if (entry.is_regular_file() && format) files.push_back({entry.path().string(), *format, split});
  }
  if (files.empty()) throw DataError("input folder `" + folder + "` holds no .txt or .jsonl file");
  std::sort(files.begin(), files.end(), [](const CorpusFile& a, const CorpusFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace

std::vector<CorpusFile> list_corpus_files(const std::vector<std::string>& inputs, SplitRule split) {
  std::vector<CorpusFile> files;
  for (const std::string& input : inputs) {
    if (!fs::exists(input)) throw DataError("input `" + input + "` does not exist");
    if (fs::is_directory(input)) {
      std::vector<CorpusFile> found = corpus_files_in_folder(input, split);
      files.insert(files.end(), found.begin(), found.end());
      continue;
    }
    const std::optional<CorpusFormat> format = corpus_format_of(input);
    if (!format)
      throw DataError("input `" + input + "` is neither a .txt file (one document) nor a .jsonl file (one a line)");
    files.push_back({input, *format, split});
  }
  return files;
}

bool is_blank_line(const std::string& line) { return std::all_of(line.begin(), line.end(), is_blank_byte); }

int64_t count_documents(const CorpusFile& file) {
  if (file.format == CorpusFormat::text) return 1;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.path.c_str(), "rb"), std::fclose);
  if (!in) throw DataError("cannot read `" + file.path + "`");
  std::vector<char> chunk(1 << 20);
  int64_t documents = 0;
  bool line_has_text = false;
  for (size_t n; (n = std::fread(chunk.data(), 1, chunk.size(), in.get())) > 0;) {
    for (size_t i = 0; i < n; ++i) {
      if (chunk[i] == '\n') {
        documents += line_has_text;
        line_has_text = false;
      } else if (!is_blank_byte(chunk[i])) {
        line_has_text = true;
      }
    }
  }
  if (std::ferror(in.get())) throw Error("cannot read `" + file.path + "`");
  return documents + line_has_text;
}

}  // namespace mmkd::text

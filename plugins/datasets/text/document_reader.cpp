#include "document_reader.hpp"

#include <mmkd/error.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <iterator>

namespace mmkd::text {

namespace {

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot read `" + path + "`: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError("cannot read `" + path + "`");
  return text;
}

std::string text_field_of_json_line(const DocumentJob& job) {
  const std::string where = "`" + job.file->path + "` line " + std::to_string(job.line);
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(job.json_line);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(where + " is not JSON: " + e.what());
  }
  if (!value.is_object() || !value.contains("text") || !value["text"].is_string())
    throw DataError(where + " is not a JSON object with a string field \"text\"");
  return value["text"].get<std::string>();
}

}  // namespace

DocumentReader::DocumentReader(const std::vector<CorpusFile>& files) : files_(files) {}

std::vector<DocumentJob> DocumentReader::next_batch(size_t max_documents, size_t max_bytes) {
  std::vector<DocumentJob> jobs;
  size_t bytes = 0;
  while (jobs.size() < max_documents && bytes < max_bytes && next_file_ < files_.size()) {
    const CorpusFile& file = files_[next_file_];
    if (file.format == CorpusFormat::text) {
      jobs.push_back({&file, 0, {}});
      ++next_file_;
      continue;
    }
    if (!json_lines_.is_open()) {
      json_lines_.open(file.path, std::ios::binary);
      if (!json_lines_) throw DataError("cannot read `" + file.path + "`: " + std::strerror(errno));
      line_ = 0;
    }
    std::string line;
    if (!std::getline(json_lines_, line)) {
      if (json_lines_.bad()) throw DataError("cannot read `" + file.path + "`");
      json_lines_.close();
      ++next_file_;
      continue;
    }
    ++line_;
    if (is_blank_line(line)) continue;
    bytes += line.size();
    jobs.push_back({&file, line_, std::move(line)});
  }
  return jobs;
}

std::string load_document(const DocumentJob& job) {
  return job.file->format == CorpusFormat::text ? read_whole_file(job.file->path) : text_field_of_json_line(job);
}

}  // namespace mmkd::text

#include "glue_file.hpp"

#include <mmkd/error.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace mmkd::text {

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
    fields.push_back(line.substr(start, tab - start));
  fields.push_back(line.substr(start));
  return fields;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "`" : ", `") + name + "`";
  return out;
}

class GlueFileReader {
 public:
  GlueFileReader(const std::string& path, const GlueTask& task) : path_(path), task_(task), header_(task.header) {}

  std::vector<GlueExample> read() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) throw DataError("cannot read GLUE file `" + path_ + "`");
    if (!header_.empty()) find_columns();
    std::vector<GlueExample> examples;
    for (std::string line; std::getline(in, line);) {
      ++line_number_;
      if (line_number_ == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte order mark
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (first_ < 0) {
        header_ = split_tabs(line);
        find_columns();
      } else {
        examples.push_back(example(split_tabs(line)));
      }
    }
    return examples;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw DataError(path_ + ":" + std::to_string(line_number_) + ": " + message);
  }

  int column(const std::string& name) const {
    auto it = std::find(header_.begin(), header_.end(), name);
    if (it == header_.end())
      fail("the header has no column `" + name + "` of GLUE task " + task_.name + " (columns: " + join(header_) + ")");
    return static_cast<int>(it - header_.begin());
  }

  void find_columns() {
    first_ = column(task_.first);
    second_ = task_.pair() ? column(task_.second) : -1;
    label_ = column(task_.label);
  }

  GlueExample example(const std::vector<std::string>& fields) const {
    if (fields.size() != header_.size())
      fail(std::to_string(fields.size()) + " tab-separated columns, expected " + std::to_string(header_.size()) +
           " (" + join(header_) + ")");
    GlueExample example;
    example.first = fields[first_];
    if (second_ >= 0) example.second = fields[second_];
    const std::string& value = fields[label_];
    if (task_.regression()) {
      char* end = nullptr;
      const double score = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(score >= 0 && score <= 5))
        fail("`" + task_.label + "` is `" + value + "`, expected a number in [0, 5]");
      example.score = static_cast<float>(score);
    } else {
      auto it = std::find(task_.classes.begin(), task_.classes.end(), value);
      if (it == task_.classes.end())
        fail("`" + task_.label + "` is `" + value + "`, expected one of " + join(task_.classes));
      example.label = it - task_.classes.begin();
    }
    return example;
  }

  std::string path_;
  const GlueTask& task_;
  std::vector<std::string> header_;
  int line_number_ = 0;
  int first_ = -1, second_ = -1, label_ = -1;
};

}  // namespace

std::vector<GlueExample> read_glue_file(const std::string& path, const GlueTask& task) {
  return GlueFileReader(path, task).read();
}

}  // namespace mmkd::text

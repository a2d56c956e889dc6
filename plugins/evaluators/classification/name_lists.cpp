#include "name_lists.hpp"

#include <mmkd/error.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mmkd::classification_eval {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    std::string line(text.substr(0, end));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); }))
      lines.push_back(std::move(line));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

std::vector<std::string> read_lines(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error("no file `" + path + "`");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read `" + path + "`");
  return lines_of(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

}  // namespace mmkd::classification_eval

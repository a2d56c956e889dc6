#include "document_cleaning.hpp"

#include <algorithm>
#include <string_view>

namespace mmkd::text {

namespace {

bool is_noise_line(std::string_view line) {
  if (line.find('\0') != std::string_view::npos) return true;
  const size_t first = line.find_first_not_of(" \t\r\f\v");
  const size_t last = line.find_last_not_of(" \t\r\f\v");
  return first != std::string_view::npos && line.substr(first, last - first + 1) == "---";
}

}  // namespace

std::string drop_noise_lines(const std::string& text) {
  if (text.find('\0') == std::string::npos && text.find("---") == std::string::npos) return text;
  std::string kept;
  const std::string_view all(text);
  for (size_t start = 0; start < all.size();) {
    const size_t end = std::min(all.find('\n', start), all.size());
    const std::string_view line = all.substr(start, end - start);
    if (!is_noise_line(line)) {
      kept.append(line);
      if (end < all.size()) kept += '\n';
    }
    start = end + 1;
  }
  return kept;
}

}  // namespace mmkd::text

#include "report/markdown_table_html.hpp"

#include "report/xml_escape.hpp"

#include <fmt/format.h>

#include <sstream>
#include <vector>

namespace mmkd {

namespace {

std::string trimmed_cell(const std::string& text) {
  const size_t first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

std::vector<std::string> markdown_row_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string inner = line.substr(1);
  if (!inner.empty() && inner.back() == '|') inner.pop_back();
  std::istringstream parts(inner);
  std::string part;
  while (std::getline(parts, part, '|')) cells.push_back(trimmed_cell(part));
  return cells;
}

bool is_markdown_rule(const std::vector<std::string>& cells) {
  for (const auto& cell : cells)
    if (cell.empty() || cell.find_first_not_of("-:") != std::string::npos) return false;
  return !cells.empty();
}

// A heading row after the label column's cell: each cell with the empty ones after it as one
// cell when `spanning`.
std::string heading_row_cells(const std::vector<std::string>& cells, bool spanning) {
  std::string row;
  for (size_t i = 1; i < cells.size();) {
    size_t end = i + 1;
    if (spanning)
      while (end < cells.size() && cells[end].empty()) ++end;
    row += end - i > 1 ? fmt::format("<th colspan=\"{}\">{}</th>", end - i, xml_escape(cells[i]))
                       : fmt::format("<th>{}</th>", xml_escape(cells[i]));
    i = end;
  }
  return row;
}

}  // namespace

std::string markdown_table_html(const std::string& markdown) {
  std::vector<std::vector<std::string>> headings, rows;
  bool after_rule = false;
  std::istringstream lines(markdown);
  std::string line;
  while (std::getline(lines, line)) {
    line = trimmed_cell(line);
    if (line.empty() || line.front() != '|') continue;
    auto cells = markdown_row_cells(line);
    if (cells.empty()) continue;
    if (!after_rule && is_markdown_rule(cells)) after_rule = true;
    else if (headings.empty() || (after_rule && rows.empty() && cells.front().empty()))
      headings.push_back(std::move(cells));
    else rows.push_back(std::move(cells));
  }
  if (headings.empty()) return "";
  std::string html = "<table>\n<thead>\n";
  for (size_t level = 0; level < headings.size(); ++level) {
    html += "<tr>";
    if (level == 0)
      html += fmt::format("<th rowspan=\"{}\">{}</th>", headings.size(), xml_escape(headings[0].front()));
    html += heading_row_cells(headings[level], level + 1 < headings.size()) + "</tr>\n";
  }
  html += "</thead>\n<tbody>\n";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const auto& cell : row) html += "<td>" + xml_escape(cell) + "</td>";
    html += "</tr>\n";
  }
  return html + "</tbody>\n</table>";
}

}  // namespace mmkd

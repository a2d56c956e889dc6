#include "train/results_table.hpp"

#include "io/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace mmkd {

namespace {

// `levels` entries, blanks inserted before the last so that leaves share the last row.
std::vector<std::string> padded(std::vector<std::string> heading, size_t levels) {
  if (heading.size() < levels)
    heading.insert(heading.end() - (heading.empty() ? 0 : 1), levels - heading.size(), std::string());
  return heading;
}

}  // namespace

std::string markdown_table(const std::string& label_heading, const std::vector<ResultsRow>& rows) {
  if (rows.empty()) return "";
  std::vector<std::vector<std::string>> headings;
  for (const auto& cell : rows.front().cells) headings.push_back(cell.heading);
  size_t levels = 1;
  for (const auto& heading : headings) levels = std::max(levels, heading.size());
  for (auto& heading : headings) heading = padded(heading, levels);

  auto line = [](const std::string& first, const std::vector<std::string>& cells) {
    std::string text = "| " + first;
    for (const auto& cell : cells) text += " | " + cell;
    return text + " |\n";
  };
  std::string table;
  for (size_t level = 0; level < levels; ++level) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < headings.size(); ++c) {
      const bool continues = c > 0 && std::equal(headings[c].begin(), headings[c].begin() + static_cast<long>(level) + 1,
                                                 headings[c - 1].begin());
      cells.push_back(continues ? "" : headings[c][level]);
    }
    table += line(level == 0 ? label_heading : "", cells);
    if (level == 0) table += line("---", std::vector<std::string>(headings.size(), "---"));
  }
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& heading : headings) {
      auto it = std::find_if(row.cells.begin(), row.cells.end(),
                             [&](const TableCell& cell) { return padded(cell.heading, levels) == heading; });
      cells.push_back(it == row.cells.end() ? "" : it->value);
    }
    table += line(row.label, cells);
  }
  return table;
}

void write_eval_results(const std::string& folder, const std::string& label, int64_t step, const EvalResult& result) {
  nlohmann::json json;
  json["step"] = step >= 0 ? nlohmann::json(step) : nlohmann::json(nullptr);
  json["label"] = label;
  json["metrics"] = nlohmann::json::object();
  for (const auto& [key, value] : result.metrics)
    json["metrics"][key] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(std::to_string(value));
  const std::filesystem::path base(folder);
  write_text_atomically((base / "results.json").string(), json.dump(2) + "\n");
  write_text_atomically((base / "results.md").string(), markdown_table("Model", {{label, result.table}}));
}

}  // namespace mmkd

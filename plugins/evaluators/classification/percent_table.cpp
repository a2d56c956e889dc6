#include "percent_table.hpp"

#include <mmkd/kit/percent_cell.hpp>

namespace mmkd::classification_eval {

std::vector<TableCell> percent_cells(const std::map<std::string, double>& metrics,
                                     const std::vector<std::pair<std::string, std::string>>& headings) {
  std::vector<TableCell> cells;
  for (const auto& [metric, heading] : headings) {
    auto found = metrics.find(metric);
    if (found != metrics.end())
      cells.push_back(percent_cell({heading}, found->second));
  }
  return cells;
}

}  // namespace mmkd::classification_eval

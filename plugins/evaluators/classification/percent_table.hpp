#pragma once
// Results-table columns in percent with 2 decimals, as the thesis' tables give accuracies and
// correlations.
#include <mmkd/mmkd.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mmkd::classification_eval {

// One column per (metric, heading) whose metric is in `metrics`, in the order given.
std::vector<TableCell> percent_cells(const std::map<std::string, double>& metrics,
                                     const std::vector<std::pair<std::string, std::string>>& headings);

}  // namespace mmkd::classification_eval

#pragma once
// A results-table column in percent with 2 decimals, as the thesis' tables print recalls,
// accuracies and correlations.
#include <mmkd/component.hpp>

#include <string>
#include <vector>

namespace mmkd {

TableCell percent_cell(std::vector<std::string> heading, double fraction);  // 0.5078 -> "50.78"

}  // namespace mmkd

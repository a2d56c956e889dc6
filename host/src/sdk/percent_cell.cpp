#include <mmkd/kit/percent_cell.hpp>

#include <fmt/format.h>

namespace mmkd {

TableCell percent_cell(std::vector<std::string> heading, double fraction) {
  return {std::move(heading), fmt::format("{:.2f}", 100.0 * fraction)};
}

}  // namespace mmkd

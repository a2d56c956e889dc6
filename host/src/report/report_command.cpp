#include "report/report_command.hpp"

#include "report/report_file.hpp"
#include "util/error_text.hpp"

#include <iostream>

namespace mmkd {

int report_command(const std::string& folder, const std::string& out) {
  if (!report_subject(folder)) {
    std::cerr << "error: " << not_a_report_folder(folder) << "\n";
    return 2;
  }
  try {
    std::cout << "wrote " << write_report(folder, out) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << error_text(e) << "\n";
    return 1;
  }
}

}  // namespace mmkd

#pragma once
// `mmkd report RUN_DIR | SWEEP_DIR [--out FILE.html]`.
#include <string>

namespace mmkd {

// Writes the report and prints its path: 0; 2 when the folder is neither a run's nor a
// sweep's; 1 when the file cannot be written.
int report_command(const std::string& folder, const std::string& out);

}  // namespace mmkd

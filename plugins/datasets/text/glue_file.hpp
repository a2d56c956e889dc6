#pragma once
// Reads the examples of one GLUE TSV file: tab-separated, no quoting, one example per line.
#include "glue_tasks.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mmkd::text {

struct GlueExample {
  std::string first, second;  // `second` empty for single-sentence tasks
  int64_t label = 0;          // index into GlueTask::classes
  float score = 0;            // STS-B
};

// Throws mmkd::Error naming the file and line for a header without the task's columns, a line
// with another number of columns than the header, an unknown label or a score outside [0, 5].
std::vector<GlueExample> read_glue_file(const std::string& path, const GlueTask& task);

}  // namespace mmkd::text

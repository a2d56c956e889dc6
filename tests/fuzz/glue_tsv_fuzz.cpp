// GLUE TSV files; the first byte picks the task (its columns, labels or score).
#include "fuzz_target.hpp"

#include "glue_file.hpp"
#include "glue_tasks.hpp"

MMKD_FUZZ_TARGET(glue_tsv) {
  if (size < 1) return;
  const auto& tasks = mmkd::text::glue_tasks();
  const auto& task = tasks[data[0] % tasks.size()];
  const std::string path = mmkd::fuzz::scratch_file("task.tsv", data + 1, size - 1);
  mmkd::fuzz::allow_input_errors([&] { mmkd::text::read_glue_file(path, task); });
}

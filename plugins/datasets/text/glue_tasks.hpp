#pragma once
// The 8 GLUE tasks of thesis Section 2.1.3.1: which columns of their TSV files (as GLUE
// distributes them) hold the sentences and the label. Label ids follow Hugging Face's
// nyu-mll/glue, as in thesis Table 31.
#include <string>
#include <vector>

namespace mmkd::text {

struct GlueTask {
  std::string name;                      // as in configs: cola, sst2, ...
  std::vector<std::string> header;       // names of the columns of a file without a header line; empty: the first line
  std::string first, second, label;      // column names; `second` empty for single-sentence tasks
  std::vector<std::string> classes;      // label values in id order; empty: a similarity score in [0, 5]
  bool regression() const { return classes.empty(); }
  bool pair() const { return !second.empty(); }
};

const std::vector<GlueTask>& glue_tasks();
std::vector<std::string> glue_task_names();
const GlueTask& glue_task(const std::string& name);  // throws mmkd::Error for an unknown name

// train.tsv, dev.tsv (MNLI: dev_matched.tsv) or dev_mismatched.tsv; "" when the task has no such split.
std::string glue_file_name(const GlueTask& task, const std::string& split);

}  // namespace mmkd::text

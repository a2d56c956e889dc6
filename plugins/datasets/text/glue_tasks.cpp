#include "glue_tasks.hpp"

#include <mmkd/error.hpp>

namespace mmkd::text {

const std::vector<GlueTask>& glue_tasks() {
  static const std::vector<GlueTask> tasks = {
      {"cola", {"source", "label", "original_label", "sentence"}, "sentence", "", "label", {"0", "1"}},
      {"sst2", {}, "sentence", "", "label", {"0", "1"}},
      {"mrpc", {}, "#1 String", "#2 String", "Quality", {"0", "1"}},
      {"stsb", {}, "sentence1", "sentence2", "score", {}},
      {"qqp", {}, "question1", "question2", "is_duplicate", {"0", "1"}},
      {"mnli", {}, "sentence1", "sentence2", "gold_label", {"entailment", "neutral", "contradiction"}},
      {"qnli", {}, "question", "sentence", "label", {"entailment", "not_entailment"}},
      {"rte", {}, "sentence1", "sentence2", "label", {"entailment", "not_entailment"}},
  };
  return tasks;
}

std::vector<std::string> glue_task_names() {
  std::vector<std::string> names;
  for (const GlueTask& task : glue_tasks()) names.push_back(task.name);
  return names;
}

const GlueTask& glue_task(const std::string& name) {
  for (const GlueTask& task : glue_tasks())
    if (task.name == name) return task;
  throw Error("unknown GLUE task `" + name + "`");
}

std::string glue_file_name(const GlueTask& task, const std::string& split) {
  if (split == "train") return "train.tsv";
  if (split == "dev") return task.name == "mnli" ? "dev_matched.tsv" : "dev.tsv";
  if (split == "dev_mismatched" && task.name == "mnli") return "dev_mismatched.tsv";
  return "";
}

}  // namespace mmkd::text

#pragma once
// Evaluation results as files: JSON for programs, a markdown table in the layout of the
// thesis' tables (Table 10: dataset, direction, R@K as three heading rows).
#include "train/validation.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mmkd {

struct ResultsRow {
  std::string label;  // e.g. "quickstart (step 512)"
  std::vector<TableCell> cells;
};

// One heading row per level, a heading printed where its span starts, the last level of every
// heading on the last row; the columns are those of the first row, later rows fill them by
// heading (blank where a row lacks one).
std::string markdown_table(const std::string& label_heading, const std::vector<ResultsRow>& rows);

// Writes <folder>/results.json ({"step" (null when < 0), "label", "metrics"}) and
// <folder>/results.md, atomically.
void write_eval_results(const std::string& folder, const std::string& label, int64_t step, const EvalResult& result);

}  // namespace mmkd

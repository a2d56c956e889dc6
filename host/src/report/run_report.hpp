#pragma once
// The report of one run folder.
#include <string>

namespace mmkd {

// One HTML document: the run's state, the charts of metrics.jsonl (raw and smoothed training
// curves, evaluation metrics over steps), the results tables of eval/ (and eval_*/ of `mmkd
// eval`), status.json with the run's timings, and config.yaml. Missing files leave their part
// out or say so.
std::string run_report_html(const std::string& run_dir);

}  // namespace mmkd

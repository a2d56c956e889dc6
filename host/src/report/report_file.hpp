#pragma once
// report.html of a run or sweep folder, written by `mmkd report` and at the end of `mmkd run`
// and `mmkd sweep`.
#include <optional>
#include <string>

namespace mmkd {

enum class ReportSubject { run, sweep };

// A run folder holds metrics.jsonl or status.json; a sweep folder results.csv or run folders
// (config.yaml, metrics.jsonl or status.json). None: the folder is neither, or missing.
std::optional<ReportSubject> report_subject(const std::string& folder);

// The error of a folder that is neither.
std::string not_a_report_folder(const std::string& folder);

// Writes the report of `folder` to `out` (default: FOLDER/report.html) atomically and returns
// the path written; Error when the folder is neither a run's nor a sweep's.
std::string write_report(const std::string& folder, const std::string& out = "");

// write_report to FOLDER/report.html, never throwing: "" when written, else a warning line.
std::string write_report_or_warning(const std::string& folder);

}  // namespace mmkd

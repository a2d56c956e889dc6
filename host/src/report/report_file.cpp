#include "report/report_file.hpp"

#include "io/atomic_file.hpp"
#include "report/run_report.hpp"
#include "report/sweep_report.hpp"
#include "util/error_text.hpp"

#include <mmkd/error.hpp>

#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {

std::optional<ReportSubject> report_subject(const std::string& folder) {
  const fs::path dir(folder);
  if (!fs::is_directory(dir)) return std::nullopt;
  if (fs::exists(dir / "metrics.jsonl") || fs::exists(dir / "status.json")) return ReportSubject::run;
  if (fs::exists(dir / "results.csv")) return ReportSubject::sweep;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && (fs::exists(entry.path() / "config.yaml") || fs::exists(entry.path() / "metrics.jsonl") ||
                                 fs::exists(entry.path() / "status.json")))
      return ReportSubject::sweep;
  return std::nullopt;
}

std::string not_a_report_folder(const std::string& folder) {
  return folder + " is neither a run folder (metrics.jsonl, status.json) nor a sweep folder (results.csv, run folders)";
}

std::string write_report(const std::string& folder, const std::string& out) {
  const auto subject = report_subject(folder);
  if (!subject) throw Error(not_a_report_folder(folder));
  const std::string path = out.empty() ? (fs::path(folder) / "report.html").string() : out;
  const std::string report_dir = fs::absolute(path).parent_path().string();
  write_text_atomically(path, *subject == ReportSubject::run ? run_report_html(folder)
                                                             : sweep_report_html(folder, report_dir));
  return path;
}

std::string write_report_or_warning(const std::string& folder) {
  try {
    write_report(folder);
    return "";
  } catch (const std::exception& e) {
    return "warning: could not write " + (fs::path(folder) / "report.html").string() + ": " + error_text(e);
  } catch (...) {
    return "warning: could not write " + (fs::path(folder) / "report.html").string();
  }
}

}  // namespace mmkd

#include "report/run_report.hpp"

#include "report/chart_sections.hpp"
#include "report/html_page.hpp"
#include "report/markdown_table_html.hpp"
#include "report/metric_history.hpp"
#include "report/report_inputs.hpp"
#include "report/xml_escape.hpp"

#include <mmkd/progress.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <optional>

#include <sys/stat.h>

namespace fs = std::filesystem;

namespace mmkd {

namespace {

std::optional<std::time_t> modified_time(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return info.st_mtime;
}

// The finite values of a metric's points.
std::vector<double> finite_values(const MetricHistory& history, const std::string& key) {
  std::vector<double> values;
  if (auto it = history.find(key); it != history.end())
    for (const Point& point : it->second)
      if (std::isfinite(point.y)) values.push_back(point.y);
  return values;
}

std::string table_row(const std::string& name, const std::string& value_html) {
  return fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", xml_escape(name), value_html);
}

std::string state_badge(const nlohmann::json& status) {
  const std::string state = status.is_object() ? status.value("state", "unknown") : "unknown";
  return fmt::format("<span class=\"state state-{0}\">{0}</span>", xml_escape(state));
}

std::string run_summary(const std::string& run_dir, const nlohmann::json& status) {
  std::string summary = "<p>" + state_badge(status);
  if (status.is_object() && status.contains("step")) summary += fmt::format(" at step {}", status["step"].dump());
  summary += fmt::format(" &middot; <span class=\"muted\">{}</span></p>", xml_escape(fs::absolute(run_dir).string()));
  if (status.is_object() && status.contains("detail") && status["detail"].is_string())
    summary += "<p>" + xml_escape(status["detail"].get<std::string>()) + "</p>";
  return summary;
}

// status.json's fields, then the timings: the last start (config.yaml is written when a run
// starts or resumes) and status update, and the means of the logged throughput and phase times.
std::string status_and_timings(const fs::path& run, const nlohmann::json& status, const MetricHistory& history) {
  std::string rows;
  if (status.is_object())
    for (const auto& [key, value] : status.items())
      rows += table_row(key, key == "state" ? state_badge(status)
                                            : xml_escape(value.is_string() ? value.get<std::string>() : value.dump()));
  else rows += table_row("state", "no status.json");
  const auto started = modified_time(run / "config.yaml");
  const auto updated = modified_time(run / "status.json");
  if (started) rows += table_row("started or last resumed", local_time_text(*started));
  if (updated) rows += table_row("status last written", local_time_text(*updated));
  if (started && updated && *updated >= *started)
    rows += table_row("wall time since then", format_duration(std::difftime(*updated, *started)));
  auto mean_of = [](const std::vector<double>& values) {
    double sum = 0;
    for (const double value : values) sum += value;
    return sum / static_cast<double>(values.size());
  };
  if (const auto rates = finite_values(history, "samples_per_second"); !rates.empty())
    rows += table_row("mean samples/s", fmt::format("{:.1f}", mean_of(rates)));
  for (const auto& [key, _] : history)
    if (key.rfind("time.", 0) == 0)
      if (const auto times = finite_values(history, key); !times.empty())
        rows += table_row("mean " + key + " per step", fmt::format("{:.4g} s", mean_of(times)));
  for (const auto& [key, _] : history)
    if (key.rfind("memory.", 0) == 0)
      if (const auto sizes = finite_values(history, key); !sizes.empty())
        rows += table_row("highest " + key, fmt::format("{:.1f}", *std::max_element(sizes.begin(), sizes.end())));
  return "<table>\n" + rows + "</table>";
}

// eval/results.md and every eval_*/results.md, each under its folder's name, with eval/best.json.
std::string results_tables(const fs::path& run) {
  std::vector<fs::path> folders;
  if (fs::is_directory(run))
    for (const auto& entry : fs::directory_iterator(run)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory() && (name == "eval" || name.rfind("eval_", 0) == 0) && fs::exists(entry.path() / "results.md"))
        folders.push_back(entry.path());
    }
  std::sort(folders.begin(), folders.end());
  std::string html;
  for (const auto& folder : folders) {
    html += fmt::format("<h3>{}/results.md</h3>\n{}\n", xml_escape(folder.filename().string()),
                        markdown_table_html(text_of_file(folder / "results.md")));
    const nlohmann::json best = json_of_file(folder / "best.json");
    if (best.is_object() && best.contains("metric") && best.contains("value") && best["value"].is_number())
      html += fmt::format("<p>best {} ({}): {:.4f} at step {}</p>\n", xml_escape(best.value("metric", "")),
                          xml_escape(best.value("mode", "max")), best["value"].get<double>(),
                          best.contains("step") ? best["step"].dump() : "?");
  }
  return html.empty() ? "<p class=\"muted\">no evaluation results yet</p>" : html;
}

}  // namespace

std::string run_report_html(const std::string& run_dir) {
  const fs::path run(run_dir);
  const nlohmann::json status = json_of_file(run / "status.json");
  const MetricHistory history = read_metric_history((run / "metrics.jsonl").string());
  std::vector<std::string> keys;
  for (const auto& [key, _] : history) keys.push_back(key);

  HtmlPage page;
  const std::string experiment = experiment_name(run);
  page.title = (experiment.empty() ? "" : experiment + ": ") + "run " + folder_name(run);
  page.summary = run_summary(run_dir, status);
  page.sections = chart_sections(run_charts(keys), [&](const MetricChart& chart) {
    std::vector<Series> series;
    for (const auto& key : chart.keys) series.push_back({key, history.at(key), ""});
    return series;
  });
  if (page.sections.empty()) page.sections.push_back({"metrics", "Metrics", "<p class=\"muted\">no metrics logged yet</p>"});
  page.sections.push_back({"results", "Results", results_tables(run)});
  page.sections.push_back({"status", "Status and timings", status_and_timings(run, status, history)});
  const std::string config = text_of_file(run / "config.yaml");
  page.sections.push_back(
      {"config", "Config", config.empty() ? "<p class=\"muted\">no config.yaml</p>" : "<pre>" + xml_escape(config) + "</pre>"});
  return html_document(page);
}

}  // namespace mmkd
